import { routeBackends } from "../../controller/backendRouter.js";
import { ClaimBook } from "../../controller/claims.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { Reconciler, type PlacementView } from "../../controller/reconcile/reconciler.js";
import { VolumeService } from "../../controller/volumeService.js";
import { BackendRegistry, type BackendDefinition } from "../../core/backends.js";
import type { BackendVolumes, CloudVolumes } from "../../core/cloud.js";
import { silentLogger } from "../../core/ports.js";
import type { SwarmNode, SwarmTask } from "../../core/swarm.js";
import { ebsDefinition } from "../../storage/ebs/options.js";
import { FakeClock } from "./clock.js";
import { FakeCloud } from "./fakeCloud.js";
import { MemoryJournal } from "./memoryJournal.js";
import { MemoryCatalog } from "./memoryState.js";
import { RecordingMetrics } from "./recordingMetrics.js";

/**
 * A controller's backend seam over fakes, for a file-share backend's component tests
 * (test/component/efsPlacement.test.ts, nfsPlacement.test.ts): EBS (a FakeCloud) and the
 * share's verbs behind the router, the reconciler's decide() and VolumeService as a
 * controller wires them (backendKind, EBS snapshots that a share must never ask for).
 * `world` is what Swarm says (tasks, nodes); change it between reconciles.
 */
export interface ShareSeam {
  clock: FakeClock;
  ebs: FakeCloud;
  catalog: MemoryCatalog;
  registry: NodeRegistry;
  reconciler: Reconciler;
  service: VolumeService;
  cloud: CloudVolumes;
  world: { tasks: SwarmTask[]; nodes: SwarmNode[] };
  /** A heartbeat of node `nodeId` (instance `i-<nodeId>`, in its zone) mounting `mounts` at epoch 1. */
  heartbeat(nodeId: string, mounts?: string[]): void;
}

export interface ShareSeamOptions {
  share: BackendDefinition;
  verbs(clock: FakeClock): BackendVolumes;
  uid: string;
  ttlMs: number;
  policy: { fenceGraceMs: number; pollMs: number };
  zones: Readonly<Record<string, string>>;
}

export function swarmNode(id: string, state: SwarmNode["state"] = "ready"): SwarmNode {
  return { id, version: 1, hostname: id, role: "worker", availability: "active", state, address: "", labels: {}, volumePlugins: ["swarmvol"] };
}

/** A running task of service `volume` on `nodeId` that mounts the volume `volume` at `target`. */
export function volumeTask(id: string, nodeId: string, volume: string, target: string): SwarmTask {
  return {
    id, version: 1, serviceId: "s1", serviceName: volume, slot: 1, nodeId, desiredState: "running", state: "running",
    volumes: [{ source: volume, driver: "swarmvol", target, readOnly: false, options: {} }], updatedAt: "2026-12-03T10:00:00.000Z",
  };
}

/** Nodes n1 and n2 ready and heartbeating, no tasks. */
export function shareSeam(options: ShareSeamOptions): ShareSeam {
  const clock = new FakeClock();
  const ebs = new FakeCloud();
  const catalog = new MemoryCatalog();
  const registry = new NodeRegistry(clock, options.ttlMs);
  const claims = new ClaimBook(clock, 5_000);
  const journal = new MemoryJournal(() => clock.now());
  const metrics = new RecordingMetrics();
  const world: ShareSeam["world"] = { tasks: [], nodes: [swarmNode("n1"), swarmNode("n2")] };
  const backends = new BackendRegistry([ebsDefinition, options.share], "ebs");
  const cloud = routeBackends({ registry: backends, backends: new Map<string, BackendVolumes>([["ebs", ebs], [options.share.name, options.verbs(clock)]]), instances: ebs });
  const view: PlacementView = { node: (id) => world.nodes.find((n) => n.id === id), tasksForVolume: () => world.tasks };
  const reconciler = new Reconciler({ catalog, cloud, journal, registry, claims, view, clock, metrics, policy: options.policy });
  const service = new VolumeService({
    catalog, cloud, journal, registry, claims, clock, logger: silentLogger, metrics,
    buildSpec: (name, opts) => backends.buildSpec(name, opts), backendKind: (name) => backends.get(name).kind,
    wantsOf: (name) => reconciler.wantsOf(name), enqueue: () => undefined, newUid: () => options.uid,
    // EBS's snapshots are wired, as in a controller: a share must never ask for one (a final snapshot on remove)
    snapshots: { take: () => Promise.reject(new Error("a share has no EBS snapshot")), cloneSource: () => Promise.reject(new Error("no clone of a share")) },
  });
  const heartbeat = (nodeId: string, mounts: string[] = []) =>
    registry.heartbeat(nodeId, { hostname: nodeId, instanceId: `i-${nodeId}`, zone: options.zones[nodeId] as string, mounts: mounts.map((volume) => ({ volume, epoch: 1 })) });
  heartbeat("n1");
  heartbeat("n2");
  return { clock, ebs, catalog, registry, reconciler, service, cloud, world, heartbeat };
}
