/**
 * The resize half of the HTTP contract (api/contract.ts holds the rest; ADR 0026). Same
 * authentication, errors and leadership as api/contract.ts.
 *
 * POST /v1/volumes/{name}/resize {size} (operator) → 202 {volume, resize, message, progress},
 *   `Location` the resize's URL: the volume's wanted size becomes `size` (as `-o size`
 *   takes it; whole GiB on EBS, rounded up), kept in Swarm's store so a new leader goes
 *   on. The leader grows the cloud volume (EBS ModifyVolume, journaled, usable from
 *   `optimizing`), then asks the node that mounts it to grow its filesystem while mounted
 *   (xfs_growfs, resize2fs); a volume nobody mounts grows at its next mount. Asking again
 *   for the same size answers the same resize. 400 INVALID_ARGUMENT a size below the
 *   volume's (naming the least), or a volume whose backend cannot grow (local, efs, nfs:
 *   naming why); 404 an unknown volume; 409 CONFLICT a volume still being created or
 *   moving to another zone.
 * GET /v1/volumes/{name}/resize (operator) → 200 {volume, resize, message, progress}: the
 *   volume's latest resize (phase cloud, filesystem, mount or done, the cloud's and the
 *   filesystem's sizes, the last error); 404 for a volume never resized.
 *
 * The grow, through the agent's own channel (its node token):
 * - the heartbeat answer (HeartbeatResponse.grow) asks the node to grow a volume it mounts:
 *   {volume, id, sizeBytes}; a claim's grant (ClaimResponse.grow) asks the mounting agent to
 *   grow it at that mount (ext4 before it: e2fsck -f, resize2fs; xfs right after it);
 * - the agent grows it and reports in its next heartbeat (HeartbeatRequest.grown)
 *   {volume, id, ok, deviceBytes, filesystemBytes, error?}, again in every heartbeat until
 *   one carrying it is answered. The leader records the sizes and a `resize.phase` event.
 */
import type { z } from "zod";
import type * as schemas from "./schemas/resize.js";

export const resizePaths = {
  resize: (name: string) => `/v1/volumes/${encodeURIComponent(name)}/resize`,
} as const;

export type ResizeRequest = z.input<typeof schemas.resizeRequest>;
export type ResizeResponse = z.output<typeof schemas.resizeResponse>;
/** One grow the leader asks of an agent. */
export type GrowRequest = z.output<typeof schemas.growRequest>;
/** An agent's report of one grow. */
export type GrowReport = z.output<typeof schemas.growReport>;
