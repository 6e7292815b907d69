import { realTimers, withDeadline } from "../../core/clock.js";
import { unavailable } from "../../core/errors.js";
import type { Timers } from "../../core/ports.js";

/** Where the EC2 instance metadata service answers; tests point this at a local server. */
export const defaultImdsEndpoint = "http://169.254.169.254";

export interface InstanceIdentity {
  instanceId: string;
  zone: string;
}

/**
 * This node's instance id and availability zone from IMDSv2: a PUT for a session token
 * (hop limit permitting), then two GETs with it. Used by `swarmvol agent` when neither
 * `--instance-id` nor `--zone` is given; never called in the lab, which passes both.
 * Each request, its answer's body included, must be done within `timeoutMs`.
 */
export async function instanceIdentity(endpoint = defaultImdsEndpoint, fetchImpl: typeof fetch = fetch, timeoutMs = 2000, timers: Timers = realTimers): Promise<InstanceIdentity> {
  const call = (path: string, init: RequestInit): Promise<string> => withDeadline(timers, timeoutMs, () => new Error(`${init.method ?? "GET"} ${path}: no answer within ${timeoutMs} ms`), async (signal) => {
    const response = await fetchImpl(`${endpoint}${path}`, { ...init, signal });
    if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path} answered ${response.status}`);
    return (await response.text()).trim();
  });
  try {
    const token = await call("/latest/api/token", { method: "PUT", headers: { "X-aws-ec2-metadata-token-ttl-seconds": "300" } });
    const headers = { "X-aws-ec2-metadata-token": token };
    const [instanceId, zone] = await Promise.all([
      call("/latest/meta-data/instance-id", { headers }),
      call("/latest/meta-data/placement/availability-zone", { headers }),
    ]);
    return { instanceId, zone };
  } catch (err) {
    throw unavailable(
      `could not read this node's instance id and zone from IMDSv2 at ${endpoint} (${(err as Error).message}); pass --instance-id and --zone, or allow IMDSv2 (hop limit 2 inside containers)`,
      { endpoint },
      err,
    );
  }
}
