/**
 * The schemas of a resize (api/resizeContract.ts, ADR 0026): the operator's request, the
 * volume's resize as the API shows it, and the grow a leader asks of an agent (in a
 * heartbeat answer or a claim's grant) with the agent's report (in its next heartbeat).
 * Requests are read strictly, answers tolerantly (records.ts).
 */
import { z } from "zod";
import { parseSize } from "../../core/units.js";
import { resizePhases, type ResizeStatus } from "../../core/resize.js";
import { count, expects, known, text, volumeName } from "./fields.js";
import type { Holds, Mirrors } from "./records.js";

const sizeWords = 'a size like "30" (GiB) or "1TiB"';

export const resizeRequest = z.object({
  // Checked with the house's parser (its words name the form); the route reads it with the same.
  size: z.string(expects(sizeWords)).superRefine((value, context) => {
    try {
      parseSize(value);
    } catch (err) {
      context.addIssue({ code: "custom", message: (err as Error).message, input: value });
    }
  }).meta({ description: "The new size as `-o size` takes it: a bare number is GiB (30), or with a unit (512GiB, 1TiB). EBS sizes are whole GiB: it rounds up. Never below the volume's size." }),
}).meta({ examples: [{ size: "30" }, { size: "1TiB" }] });

export const resizeStatus = z.object({
  wantedBytes: z.number(),
  requestedAt: z.string(),
  phase: known(resizePhases).meta({ description: "cloud (the cloud volume grows), filesystem (the node that mounts it grows its filesystem), mount (nobody mounts it: it grows at its next mount), done" }),
  cloudBytes: z.number().optional().meta({ description: "The cloud volume's size as the leader last saw it." }),
  grownForBytes: z.number().optional().meta({ description: "The device size the filesystem was last grown (or made) to fill." }),
  filesystemBytes: z.number().optional().meta({ description: "The filesystem's own size after its last grow (what df shows)." }),
  grownOn: z.string().optional().meta({ description: "The node whose agent grew it last." }),
  error: z.string().optional().meta({ description: "The last step that failed and why; cleared by the next that succeeds." }),
  doneAt: z.string().optional(),
}).meta({ description: "A volume's latest resize (core/resize.ts ResizeStatus)." });

export const resizeResponse = z.object({
  volume: z.string(),
  resize: resizeStatus,
  message: z.string().meta({ description: "Where the resize stands, in words." }),
  progress: z.object({
    resize: z.string().meta({ description: "GET it for the resize's state." }),
    volume: z.string(),
    events: z.string().meta({ description: "The volume's live events (server-sent events)." }),
  }),
}).meta({
  examples: [{
    volume: "pgdata", resize: { wantedBytes: 32212254720, requestedAt: "2026-12-02T10:00:00.000Z", phase: "cloud", cloudBytes: 21474836480, grownForBytes: 21474836480 },
    message: "the cloud volume grows to 30GiB (now 20GiB)",
    progress: { resize: "/v1/volumes/pgdata/resize", volume: "/v1/volumes/pgdata", events: "/v1/events/stream?volume=pgdata" },
  }],
});

/** A filesystem grow the leader asks of an agent: fill the device, which is (at least) `sizeBytes`. */
export const growRequest = z.object({
  volume: z.string(),
  id: z.string().meta({ description: "Names this grow in the agent's report." }),
  sizeBytes: z.number().meta({ description: "The cloud volume's size the filesystem is to fill." }),
});

const reportWords = 'an object like {"volume":"data","id":"…","ok":true}';
/** An agent's report of a grow, in its next heartbeat. */
export const growReport = z.object({
  volume: volumeName,
  id: text("the grow's id").max(128, expects("the grow's id from the leader's request")),
  ok: z.boolean(expects("true or false")),
  deviceBytes: count.optional().meta({ description: "The device's size when it grew: what the filesystem now fills." }),
  filesystemBytes: count.optional().meta({ description: "The mounted filesystem's size after the grow (statfs)." }),
  error: z.string().optional().meta({ description: "Why not (the agent clips it to 500 characters)." }),
}, expects(reportWords));

export type _ResizeSchemaMirrorsCore = Holds<Mirrors<z.output<typeof resizeStatus>, ResizeStatus>>;
