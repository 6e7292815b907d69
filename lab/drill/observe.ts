/**
 * The drill's read-only views of the running system: where each service runs (polled from
 * Swarm, for the clients to follow), the controller's volume record (its `lastMove`
 * carries t2..t7), and the EC2 emulator's event log with its overlap check.
 */
import type { Clock } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import type { CloudEvent, OverlapViolation } from "../cloud/index.js";
import type { LabState } from "../cluster/index.js";
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

/** GET /v1/volumes/NAME from the controller (null when it does not answer: it may be down on purpose). */
export async function fetchVolume(state: LabState, name: string): Promise<VolumeRecord | null> {
  const swarmvol = state.swarmvol;
  if (swarmvol === undefined || swarmvol === null) return null;
  try {
    const url = `${swarmvol.controllerUrl}/v1/volumes/${encodeURIComponent(name)}`;
    const answer = await httpGetJson(url, { authorization: `Bearer ${swarmvol.token}` });
    return (answer as { volume?: VolumeRecord }).volume ?? null;
  } catch {
    return null;
  }
}

/** GET /v1/volumes: every volume in the controller's catalog (throws when it does not answer). */
export async function fetchVolumes(state: LabState): Promise<VolumeRecord[]> {
  const swarmvol = state.swarmvol;
  if (swarmvol === undefined || swarmvol === null) throw new Error("the lab runs no swarmvol controller");
  const answer = await httpGetJson(`${swarmvol.controllerUrl}/v1/volumes`, { authorization: `Bearer ${swarmvol.token}` });
  return (answer as { volumes: VolumeRecord[] }).volumes;
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
