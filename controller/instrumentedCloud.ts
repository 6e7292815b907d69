/**
 * The Cloud port with every call counted and timed (`swarmvol_cloud_calls_total`,
 * `swarmvol_cloud_call_duration_seconds`), whatever the backend. It wraps the port, not
 * the EC2 client, so one call means one thing the controller asked (an attach with its
 * wait until attached); the backend's own requests, retries included, are
 * `swarmvol_backend_requests_total`. Errors pass through unchanged.
 */
import type { CloudOperation, ControllerMetrics } from "../core/metrics.js";
import type { CloudSnapshots, CloudVolumes } from "../core/cloud.js";
import { isSwarmvolError } from "../core/errors.js";
import type { Clock } from "../core/ports.js";

/**
 * The code a failed call is counted under: the backend's own (EC2's `details.awsCode`,
 * like RequestLimitExceeded) when it gave one, else swarmvol's stable code.
 */
export function cloudErrorCode(err: unknown): string {
  if (!isSwarmvolError(err)) return "INTERNAL";
  const awsCode = err.details.awsCode;
  return typeof awsCode === "string" && awsCode !== "" ? awsCode : err.code;
}

type Timed = <T>(operation: CloudOperation, call: () => Promise<T>) => Promise<T>;

function timer(metrics: Pick<ControllerMetrics, "cloudCall">, clock: Pick<Clock, "now">): Timed {
  return <T>(operation: CloudOperation, call: () => Promise<T>): Promise<T> => {
    const started = clock.now();
    const seconds = () => (clock.now() - started) / 1000;
    return call().then((value) => {
      metrics.cloudCall(operation, "ok", seconds());
      return value;
    }, (err: unknown) => {
      metrics.cloudCall(operation, cloudErrorCode(err), seconds());
      throw err;
    });
  };
}

/** `cloud` measured into `metrics`, timed on `clock` (a monotonic one in production). */
export function instrumentCloud(cloud: CloudVolumes, metrics: Pick<ControllerMetrics, "cloudCall">, clock: Pick<Clock, "now">): CloudVolumes {
  const timed = timer(metrics, clock);
  return {
    create: (request) => timed("create", () => cloud.create(request)),
    describe: (ids) => timed("describe", () => cloud.describe(ids)),
    attach: (volumeId, instanceId) => timed("attach", () => cloud.attach(volumeId, instanceId)),
    detach: (volumeId, instanceId, options) => timed("detach", () => cloud.detach(volumeId, instanceId, options)),
    delete: (volumeId) => timed("delete", () => cloud.delete(volumeId)),
    setTags: (volumeId, tags) => timed("setTags", () => cloud.setTags(volumeId, tags)),
    describeInstances: (ids) => timed("describeInstances", () => cloud.describeInstances(ids)),
  };
}

/** The snapshot port measured the same way (operations `createSnapshot` … `waitSnapshot`). */
export function instrumentSnapshots(snapshots: CloudSnapshots, metrics: Pick<ControllerMetrics, "cloudCall">, clock: Pick<Clock, "now">): CloudSnapshots {
  const timed = timer(metrics, clock);
  return {
    createSnapshot: (request) => timed("createSnapshot", () => snapshots.createSnapshot(request)),
    listSnapshots: (query) => timed("listSnapshots", () => snapshots.listSnapshots(query)),
    getSnapshot: (id) => timed("getSnapshot", () => snapshots.getSnapshot(id)),
    deleteSnapshot: (id) => timed("deleteSnapshot", () => snapshots.deleteSnapshot(id)),
    waitCompleted: (id, timeoutMs) => timed("waitSnapshot", () => snapshots.waitCompleted(id, timeoutMs)),
  };
}
