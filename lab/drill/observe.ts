/**
 * The drill's read-only views of the running system: where each service runs (polled from
 * Swarm, for the clients to follow), the controller's volume record (its `lastMove`
 * carries t2..t7), and the EC2 emulator's event log with its overlap check.
 *
 * Controller reads go to whichever replica leads, through the agents' own client
 * (api/client/apiClient.ts): the one that answered last first, a standby's leader
 * hint followed, a replica that does not answer (stopped, its manager killed) skipped.
 */
import type { Clock } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import type { CloudEvent, OverlapViolation } from "../cloud/index.js";
import { controllerReplicas, readTokenFile, type LabState } from "../cluster/index.js";
import { ControllerClient } from "../../api/client/apiClient.js";
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

/** One client per lab dir, so the replica that answered last is asked first next time. */
const clients = new Map<string, Promise<ControllerClient>>();

/**
 * The product's own client over the lab's replicas, with the token from the lab's token
 * file (as an operator's SWARMVOL_TOKEN_FILE): it follows a standby's leader hint and
 * remembers who answered. Each replica gets 5 s; a read does not wait out a takeover (the
 * drill polls, and a controller down on purpose must read as "no answer" at once).
 */
function controllerOf(state: LabState): Promise<ControllerClient> {
  const swarmvol = state.swarmvol;
  if (swarmvol === undefined || swarmvol === null) return Promise.reject(new Error("the lab runs no swarmvol controller"));
  let client = clients.get(state.options.dir);
  if (client === undefined) {
    const urls = controllerReplicas(state).map((replica) => replica.url);
    client = readTokenFile(swarmvol).then((token) =>
      new ControllerClient({ endpoints: () => urls, token, attemptTimeoutMs: 5_000, timeoutMs: 5_000 * urls.length }));
    // A file that could not be read is tried again next time.
    client.catch(() => clients.delete(state.options.dir));
    clients.set(state.options.dir, client);
  }
  return client;
}

const askOnce = { untilDeadline: false } as const;

/** GET /v1/volumes/NAME from the leader (null when no replica answers: it may be down on purpose). */
export async function fetchVolume(state: LabState, name: string): Promise<VolumeRecord | null> {
  try {
    return await (await controllerOf(state)).getVolume(name, askOnce);
  } catch {
    return null;
  }
}

/** GET /v1/volumes: every volume in the leader's catalog (throws when no replica answers). */
export async function fetchVolumes(state: LabState): Promise<VolumeRecord[]> {
  return (await controllerOf(state)).listVolumes(askOnce);
}

/** DELETE /v1/volumes/NAME on the leader: undefined once removed, else why it was refused (or that no replica answered). */
export async function removeVolume(state: LabState, name: string): Promise<string | undefined> {
  try {
    await (await controllerOf(state)).removeVolume(name, askOnce);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
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
