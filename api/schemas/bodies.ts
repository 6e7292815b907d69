/**
 * One schema per request and answer of the controller's HTTP API (api/contract.ts has the
 * types and their meaning, api/routes.ts which route takes which). The server checks every
 * request with them before an operation runs; the client (api/client/) parses every answer
 * with them; api/openapi.ts writes them into the API document.
 *
 * Requests are read strictly (a wrong field is a 400 naming it) but unknown fields are
 * ignored, as they always were; answers tolerantly (api/schemas/records.ts).
 */
import { z } from "zod";
import { formatEventId, parseEventId } from "../../core/events.js";
import { invalidArgument } from "../../core/errors.js";
import { validateVolumeName } from "../../core/volume.js";
import { count, expects, known, milliseconds, nodeId, parsedQuery, text, volumeName } from "./fields.js";
import { nodeView, swarmvolEvent, volumeRecord } from "./records.js";
import { growReport, growRequest } from "./resize.js";
import { freezeRequest } from "./snapshots.js";

/** Largest `limit` of GET /v1/events, and the one used when none is given. */
export const maxEventLimit = 1000;
export const defaultEventLimit = 100;

/** Most mounts one heartbeat may report: a node mounts at most a few hundred volumes. */
export const maxReportedMounts = 4096;

export const errorBody = z.object({
  error: z.object({
    code: z.string().meta({ description: "A stable code of core/errors.ts: INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE..." }),
    message: z.string().meta({ description: "What went wrong and how to fix it." }),
    leader: z.string().optional().meta({ description: "On a standby's 503: the leader's URL, when known." }),
  }),
}).meta({ examples: [{ error: { code: "INVALID_ARGUMENT", message: 'field "waitMs" must be a number of milliseconds >= 0, got -1' } }] });

export const healthResponse = z.looseObject({
  status: z.literal("ok"),
  mode: known(["controller", "all-in-one"]),
  role: known(["leader", "standby"]).optional(),
  leader: z.string().nullable().optional(),
  replica: z.string().optional(),
});

export const volumeParams = z.object({ name: volumeName });
export const nodeParams = z.object({ nodeId });

const optionsWords = 'an object of strings, like {"size":"20"}';
export const createVolumeRequest = z.object({
  name: volumeName,
  options: z.record(z.string(), z.string(expects('a string, like {"size":"20"}')), expects(optionsWords)).nullable().optional()
    .meta({ description: "The `-o key=value` options of `docker volume create`; null or absent: the backend's defaults." }),
}).meta({ examples: [{ name: "jenkins_home", options: { size: "20", type: "gp3" } }] });
export const volumeResponse = z.object({ volume: volumeRecord });
export const volumeListResponse = z.object({ volumes: z.array(volumeRecord) });

const filterValue = (value: string) => {
  if (value.length > 128) throw invalidArgument("must be at most 128 characters");
  return value;
};
/** `GET /v1/volumes` filters (core/volumeFilters.ts): each one given must match. */
export const volumeListQuery = z.object({
  node: parsedQuery(filterValue, "a Swarm node id: only the volumes granted to it"),
  condition: parsedQuery(filterValue, "a condition's reason, like ZoneMismatch, or ok: only the volumes with it (ok: none)"),
  backend: parsedQuery(filterValue, "a backend, like ebs: only its volumes"),
  zone: parsedQuery(filterValue, "an availability zone, like eu-west-1a: only the volumes in it"),
});

export const claimRequest = z.object({
  nodeId,
  waitMs: milliseconds.optional().meta({ description: "How long a pending answer may be held for a grant; the controller caps it at 2000." }),
}).meta({ examples: [{ nodeId: "x7k2m9q4w1e8r5t3y6u0i2o4p", waitMs: 2000 }] });
export const claimResponse = z.discriminatedUnion("state", [
  z.object({
    state: z.literal("granted"), volumeId: z.string(), device: z.string(), epoch: z.number(),
    grow: growRequest.optional().meta({ description: "The volume grew since its filesystem was made: grow it at this mount (ADR 0026)." }),
  }),
  z.object({ state: z.literal("pending"), message: z.string() }),
  z.object({ state: z.literal("refused"), message: z.string() }),
], { error: (issue) => (issue.code === "invalid_union" ? "must be a claim answer whose state is granted, pending or refused" : undefined) }).meta({
  examples: [{ state: "granted", volumeId: "vol-0abc1234def567890", device: "/dev/xvdba", epoch: 3 }, { state: "pending", message: "moving volume jenkins_home to this node" }],
});

/** The body of release and wanted: the node the call is for. */
export const nodeRequest = z.object({ nodeId });
export const wantedResponse = z.object({ wanted: z.boolean() });

const mountWords = 'an object like {"volume":"data","epoch":3}';
/** An optional epoch-ms phase time of a mount (t6, t7): a hint, never refused; anything but a number >= 0 is dropped. */
const phaseTime = z.number().min(0).optional().catch(undefined);
export const heartbeatRequest = z.object({
  hostname: text(),
  instanceId: text(),
  zone: text(),
  mounts: z.array(z.object({ volume: volumeName, epoch: count, verifiedAt: phaseTime, mountedAt: phaseTime }, expects(mountWords)), expects('an array of objects like {"volume":"data","epoch":3}'))
    .max(maxReportedMounts, { error: (issue) => `is too long (${String((issue.input as unknown[] | undefined)?.length)} entries): a node mounts at most a few hundred volumes` })
    .default([]),
  // A report that does not parse is dropped, never the heartbeat: refusing it would lapse the lease.
  grown: z.array(growReport).max(maxReportedMounts).optional().catch(undefined)
    .meta({ description: "Filesystem grows done since the last heartbeat (ADR 0026): each reported until a heartbeat carrying it is answered; a malformed list is dropped." }),
}).meta({ examples: [{ hostname: "node2", instanceId: "i-0123456789abcdef0", zone: "eu-west-1a", mounts: [{ volume: "jenkins_home", epoch: 3 }] }] });
export const heartbeatResponse = z.object({
  ttlMs: z.number(),
  revoke: z.array(z.string()).meta({ description: "Volumes this node must unmount now: their epoch moved on." }),
  freeze: z.array(freezeRequest).optional().meta({ description: "Volumes to freeze for a snapshot (api/snapshotContract.ts); absent when none." }),
  grow: z.array(growRequest).optional().meta({ description: "Mounted volumes whose filesystem to grow to fill the grown device (api/resizeContract.ts); absent when none." }),
}).meta({ examples: [{ ttlMs: 6000, revoke: [] }] });

export const nodeListResponse = z.object({ nodes: z.array(nodeView) });

const eventId = (value: string) => formatEventId(parseEventId(value));
const volumeFilter = (value: string) => validateVolumeName(value);

export const eventHistoryQuery = z.object({
  since: parsedQuery(eventId, "an event id <term>-<seq>, like 7-42: the events after it"),
  sinceTime: parsedQuery(rfc3339, "an RFC 3339 time, like 2026-11-22T10:00:00Z: the events from then"),
  volume: parsedQuery(volumeFilter, "a volume name: only its events"),
  limit: parsedQuery(limitOf, `how many events, 1 to ${maxEventLimit} (default ${defaultEventLimit})`),
});
export const eventStreamQuery = z.object({
  since: parsedQuery(eventId, "an event id to resume after (the Last-Event-ID header wins over it)"),
  volume: parsedQuery(volumeFilter, "a volume name: only its events"),
});
export const eventListResponse = z.object({ events: z.array(swarmvolEvent), next: z.string(), more: z.boolean() });

/** The data of the stream's last frame, `stream.end` or `stream.error`. */
export const streamClosing = z.object({ code: z.string().optional(), message: z.string().catch("") });

function rfc3339(value: string): number {
  const at = Date.parse(value);
  if (!Number.isFinite(at)) throw invalidArgument(`sinceTime ${JSON.stringify(value.slice(0, 40))} is not an RFC 3339 time, like 2026-11-22T10:00:00Z`);
  return at;
}

function limitOf(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxEventLimit) {
    throw invalidArgument(`limit must be a whole number from 1 to ${maxEventLimit}, got ${JSON.stringify(value.slice(0, 20))}`);
  }
  return limit;
}
