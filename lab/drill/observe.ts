/**
 * The drill's read-only views of the running system: where each service runs (polled from
 * Swarm, for the clients to follow), the controller's volume record (its `lastMove`
 * carries t2..t7), and the EC2 emulator's event log with its overlap check.
 *
 * Controller reads go to whichever replica leads: the one that answered last is asked
 * first, a standby's 503 names the leader (error body `leader`), and a replica that does
 * not answer (stopped, its manager killed) is skipped for the next.
 */
import type { Clock } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import type { CloudEvent, OverlapViolation } from "../cloud/index.js";
import { controllerReplicas, type LabState } from "../cluster/index.js";
import { httpExchange } from "./jenkinsClient.js";
import { locateService } from "./swarm.js";

/**
 * Follows where each service runs: polls Swarm every `intervalMs` (and at once when a
 * client asks after a failure), so clients write to the node that runs the task now.
 */
export class ServiceLocator {
  private readonly where = new Map<string, { address: string; node: string } | null>();
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly state: LabState,
    private readonly services: readonly string[],
    private readonly clock: Clock,
    private readonly intervalMs = 500,
  ) {}

  address(service: string): string | null {
    return this.where.get(service)?.address ?? null;
  }

  node(service: string): string | null {
    return this.where.get(service)?.node ?? null;
  }

  /** Look again now (a client saw a failure). */
  refresh(): void {
    this.wake?.();
  }

  async pollOnce(): Promise<void> {
    for (const service of this.services) {
      const found = await locateService(this.state, service).catch(() => undefined);
      if (found === undefined) continue; // no manager answered: keep the last answer
      this.where.set(service, found === null ? null : { address: found.node.address, node: found.node.name });
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.pollOnce();
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void this.clock.sleep(this.intervalMs).then(resolve);
        });
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}

/** The replica that answered a controller read last, per lab dir: asked first next time. */
const lastLeader = new Map<string, string>();

/** Order in which to ask replicas: the last one that answered, then the others in replica order. */
export function replicaOrder(urls: readonly string[], preferred: string | undefined): string[] {
  return preferred !== undefined && urls.includes(preferred) ? [preferred, ...urls.filter((u) => u !== preferred)] : [...urls];
}

/** The leader a standby's 503 body names, if any. */
export function leaderHint(body: string): string | undefined {
  try {
    const leader = (JSON.parse(body) as { error?: { leader?: unknown } }).error?.leader;
    return typeof leader === "string" && leader !== "" ? leader : undefined;
  } catch {
    return undefined;
  }
}

/** GET `path` from the leading replica (see the module header); throws when none answers 200. */
export async function controllerGet(state: LabState, path: string): Promise<unknown> {
  const swarmvol = state.swarmvol;
  if (swarmvol === undefined || swarmvol === null) throw new Error("the lab runs no swarmvol controller");
  const headers = { authorization: `Bearer ${swarmvol.token}` };
  const queue = replicaOrder(controllerReplicas(state).map((r) => r.url), lastLeader.get(state.options.dir));
  const asked = new Set<string>();
  let last = "no controller replica";
  while (queue.length > 0) {
    const url = queue.shift() as string;
    if (asked.has(url)) continue;
    asked.add(url);
    const answer = await httpExchange("GET", `${url}${path}`, undefined, 5_000, headers).catch((err: unknown) => ({ status: 0, body: String(err) }));
    if (answer.status === 200) {
      lastLeader.set(state.options.dir, url);
      return JSON.parse(answer.body) as unknown;
    }
    last = `GET ${url}${path}: ${answer.status === 0 ? answer.body : `HTTP ${answer.status}`}`;
    const hint = answer.status === 503 ? leaderHint(answer.body) : undefined;
    if (hint !== undefined) queue.unshift(hint);
  }
  throw new Error(last);
}

/** GET /v1/volumes/NAME from the leader (null when no replica answers: it may be down on purpose). */
export async function fetchVolume(state: LabState, name: string): Promise<VolumeRecord | null> {
  try {
    const answer = await controllerGet(state, `/v1/volumes/${encodeURIComponent(name)}`);
    return (answer as { volume?: VolumeRecord }).volume ?? null;
  } catch {
    return null;
  }
}

/** GET /v1/volumes: every volume in the leader's catalog (throws when no replica answers). */
export async function fetchVolumes(state: LabState): Promise<VolumeRecord[]> {
  return ((await controllerGet(state, "/v1/volumes")) as { volumes: VolumeRecord[] }).volumes;
}

/** The emulator's event log and the result of findOverlaps over all of it. */
export async function fetchCloudLog(state: LabState): Promise<{ events: CloudEvent[]; overlaps: OverlapViolation[] }> {
  if (state.cloud.endpoint === null) throw new Error("the lab runs no EC2 emulator");
  return (await httpGetJson(`${state.cloud.endpoint}/_swarmvol/log`, {})) as { events: CloudEvent[]; overlaps: OverlapViolation[] };
}

async function httpGetJson(url: string, headers: Record<string, string>): Promise<unknown> {
  const answer = await httpExchange("GET", url, undefined, 5_000, headers);
  if (answer.status !== 200) throw new Error(`GET ${url}: HTTP ${answer.status}`);
  return JSON.parse(answer.body) as unknown;
}
