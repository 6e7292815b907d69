/**
 * The schemas of the snapshot half of the API (api/snapshotContract.ts): what the server
 * checks, what the clients (api/client/snapshotClient.ts) parse, what api/openapi.ts writes.
 */
import { z } from "zod";
import type { SnapshotFacts } from "../../core/snapshots.js";
import { expects, known, nodeId, text, volumeName } from "./fields.js";
import type { Holds, Mirrors } from "./records.js";

const snapshotIdWords = "a snapshot id like snap-0123456789abcdef0 (`swarmvol snapshots` lists them)";

/** An EBS snapshot id. */
export const snapshotId = z.string(expects(snapshotIdWords)).regex(/^snap-[0-9a-f]{8,17}$/, expects(snapshotIdWords)).meta({ examples: ["snap-0123456789abcdef0"] });

export const snapshotParams = z.object({ id: snapshotId });

export const snapshotView = z.object({
  id: z.string(),
  volume: z.string(),
  volumeUid: z.string(),
  volumeId: z.string(),
  state: known(["pending", "completed", "error"]),
  progress: z.string(),
  startedAt: z.string(),
  sizeBytes: z.number(),
  reason: z.string().meta({ description: "manual, schedule, final, clone or relocation" }),
  frozen: z.boolean().meta({ description: "whether the holder's filesystem was frozen for the capture" }),
  epoch: z.number(),
  schedule: z.string().optional(),
  slot: z.string().optional(),
}).meta({ description: "A swarmvol snapshot: the cloud's facts and swarmvol's tags (core/snapshots.ts)." });

const requestIdWords = "1-64 letters, digits or dashes (a UUID)";
export const takeSnapshotRequest = z.object({
  requestId: z.string(expects(requestIdWords)).regex(/^[A-Za-z0-9-]{1,64}$/, expects(requestIdWords)).optional()
    .meta({ description: "The client's retries of one request send the same: they take one snapshot." }),
});

export const snapshotResponse = z.object({ snapshot: snapshotView });
export const snapshotListResponse = z.object({ snapshots: z.array(snapshotView) });
export const snapshotListQuery = z.object({
  volume: z.union([z.literal(""), volumeName]).optional().transform((value) => (value === "" ? undefined : value)),
});

/** One freeze the leader asks of a node in its heartbeat answer. */
export const freezeRequest = z.object({
  volume: z.string(),
  id: z.string().meta({ description: "Names this freeze in the frozen call." }),
  maxMs: z.number().meta({ description: "The agent thaws after this long whatever the leader says (clamped by the agent)." }),
});

export const frozenRequest = z.object({
  nodeId,
  id: text("the freeze's id from the heartbeat answer").max(128, expects("the freeze's id from the heartbeat answer")),
  frozen: z.boolean(expects("true or false")),
  error: z.string().transform((value) => value.slice(0, 500)).optional(),
});
export const frozenResponse = z.object({ thaw: z.literal(true) });

export type _SnapshotSchemaMirrorsCore = Holds<Mirrors<z.output<typeof snapshotView>, SnapshotFacts>>;
