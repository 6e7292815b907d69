/**
 * The EFS backend's public surface, for cli/ (the composition root) and the node agent.
 * EfsVolumes is the controller verbs over EfsCloud (ADR 0027), served by `swarmvol controller
 * --backends ebs,efs` (cli/backends.ts controllerEfs).
 *
 * @example
 * const efs = createEfsClient({ region: "us-east-1", endpoint: process.env.AWS_ENDPOINT_URL_EFS });
 * const shares = new EfsCloud(efs, systemClock, { logger });
 */
export { createEfsClient, type EfsClientOptions } from "./client.js";
export { EfsCloud, type EfsCloudOptions } from "./efsCloud.js";
export { EfsVolumes, type EfsVolumesOptions } from "./efsVolumes.js";
export type { EfsApi } from "./efsApi.js";
export { isRetryableEfsError, mapEfsError } from "./errors.js";
export { BindShareMounter, NfsShareMounter, shareMounterFor, type MounterOptions } from "./mounters.js";
