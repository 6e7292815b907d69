import { Controller, type ControllerOptions } from "../../controller/controller.js";
import { SwarmInformer } from "../../controller/informer/swarmInformer.js";
import { silentLogger } from "../../core/ports.js";
import { buildEbsSpec } from "../../storage/ebs/options.js";
import type { FakeSwarm, ManualTime } from "../fakes/fakeSwarm.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";

/** What a component test chooses; the rest has the defaults of {@link fakeController}. */
export type FakeControllerParts = Pick<ControllerOptions, "catalog" | "cloud" | "policy" | "leaseTtlMs"> & Partial<ControllerOptions>;

/**
 * A whole Controller over a scripted Swarm (its own informer, polling every 500 ms of
 * manual time), a memory journal, recording metrics, EBS specs and claims of 5 s; `parts`
 * gives the catalog, cloud, policy and lease, and may override any of the rest.
 */
export function fakeController(time: ManualTime, swarm: FakeSwarm, parts: FakeControllerParts): Controller {
  return new Controller({
    informer: new SwarmInformer({ swarm, clock: time, timers: time, pollIntervalMs: 500 }), journal: new MemoryJournal(() => time.now()),
    clock: time, timers: time, logger: silentLogger, metrics: new RecordingMetrics(), claimTtlMs: 5_000, buildSpec: buildEbsSpec, ...parts,
  });
}

/** Starts `controller` on manual time (its first sync and restore run), then lets `nodes` report once. */
export async function startOnManualTime(controller: Controller, time: ManualTime, heartbeat: (nodeId: string) => Promise<unknown>, nodes: readonly string[] = ["n1", "n2"]): Promise<void> {
  const started = controller.start();
  await time.advance(0);
  await started;
  for (const nodeId of nodes) await heartbeat(nodeId);
}
