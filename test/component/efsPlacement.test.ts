/**
 * An EFS single-writer volume through the controller's backend seam (ADR 0027): recorded by
 * VolumeService, created and placed by the reconciler's unchanged decide() through the
 * router and EfsVolumes on the recording FileShares, moved to a node of another zone after
 * its holder is fenced (lease + grace), and deleted. EBS's verbs (create, attach, detach:
 * the block device steps) are never called for it, and nobody is ever told to make a
 * filesystem on it.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { routeBackends } from "../../controller/backendRouter.js";
import { rebuildFromCloud } from "../../controller/rebuild.js";
import { BackendRegistry } from "../../core/backends.js";
import type { BackendVolumes } from "../../core/cloud.js";
import { ErrorCode } from "../../core/errors.js";
import { parseShareDevice } from "../../core/fileShares.js";
import { silentLogger } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import { ebsDefinition } from "../../storage/ebs/options.js";
import { EfsVolumes } from "../../storage/efs/efsVolumes.js";
import { efsDefinition } from "../../storage/efs/options.js";
import { FakeFileShares } from "../fakes/fakeFileShares.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { shareSeam, swarmNode, volumeTask, type ShareSeam } from "../fakes/shareSeam.js";

const ttlMs = 10_000;
const policy = { fenceGraceMs: 5_000, pollMs: 1_000 };
const zones: Record<string, string> = { n1: "us-east-1a", n2: "us-east-1b" };
const task = (id: string, nodeId: string) => volumeTask(id, nodeId, "jenkins", "/var/jenkins_home");

let shares: FakeFileShares;
let seam: ShareSeam;

const record = () => seam.catalog.get("jenkins") as VolumeRecord;
/** FileShares calls since the last look, as `op arg` lines (ids and zones, not whole requests). */
const sharesSaid = (): string[] => shares.calls.splice(0).map(({ op, args }) => [op, ...args.map(briefly)].join(" "));
function briefly(arg: unknown): string {
  if (typeof arg === "string") return arg;
  if (Array.isArray(arg)) return arg.join(",");
  const { owner, ...fields } = arg as Record<string, unknown> & { owner?: { pool?: string } };
  const kept = Object.entries(fields).filter(([key]) => key === "zone" || key === "name" || key.startsWith("swarmvol/"));
  return [...(owner?.pool === undefined ? [] : [`pool=${owner.pool}`]), ...kept.map(([key, value]) => `${key}=${String(value)}`)].join(",");
}

beforeEach(() => {
  shares = new FakeFileShares();
  seam = shareSeam({
    share: efsDefinition, uid: "u-jenkins", ttlMs, policy, zones,
    verbs: () => new EfsVolumes(shares, {
      pool: { owner: { kind: "pool", pool: "default" }, performanceMode: "generalPurpose", throughputMode: "elastic", encrypted: true },
      region: "us-east-1",
      subnetOf: async (instanceId) => {
        const zone = zones[instanceId.slice(2)] as string;
        return { subnetId: `subnet-${zone}`, zone };
      },
    }),
  });
});

describe("an EFS single-writer volume through the backend seam", () => {
  it("is created, placed, moved after its holder is fenced, and deleted, with no block step", async () => {
    await seam.service.create("jenkins", { backend: "efs", uid: "1000", gid: "1000" });
    expect(record()).toMatchObject({ spec: { backend: "efs", options: { backend: "efs", uid: "1000" } }, status: { fresh: false, epoch: 0 } });
    expect(sharesSaid()).toEqual([]);

    seam.world.tasks = [task("t1", "n1")];
    expect(await seam.reconciler.reconcile("jenkins", silentLogger)).toEqual({});
    const [fs] = [...shares.fileSystems.keys()];
    const [ap] = [...shares.accessPoints.keys()];
    expect(shares.calls.find((call) => call.op === "ensureAccessPoint")?.args[0]).toMatchObject({ uid: "u-jenkins", owner: { uid: 1000, gid: 1000, mode: "0755" } });
    expect(sharesSaid()).toEqual([
      "ensureFileSystem pool=default", "ensureAccessPoint name=jenkins",
      `tagAccessPoint ${ap} swarmvol/epoch=1`, `getAccessPoint ${ap}`, `ensureMountTarget ${fs} zone=us-east-1a`, `tagAccessPoint ${ap} swarmvol/at/i-n1=172.31.0.4`,
    ]);
    expect(record().status).toMatchObject({ backendId: ap, zone: "us-east-1", epoch: 1, grantedTo: { nodeId: "n1", instanceId: "i-n1", epoch: 1 } });
    expect(parseShareDevice(record().status.grantedTo?.device ?? "")).toEqual({ fileSystemId: fs, accessPointId: ap, rootPath: "/swarmvol/jenkins", mountTargetIp: "172.31.0.4" });

    // n1 dies holding it; Swarm puts the task on n2, in another zone
    seam.heartbeat("n1", ["jenkins"]);
    seam.world.tasks = [task("t2", "n2")];
    seam.world.nodes = [swarmNode("n1", "down"), swarmNode("n2")];
    expect((await seam.reconciler.reconcile("jenkins", silentLogger)).requeueAfterMs).toBeGreaterThan(0);
    expect(record().status.condition?.reason).toBe("HolderAlive");
    expect(sharesSaid()).toEqual([`getAccessPoint ${ap}`]);
    seam.clock.current += ttlMs + policy.fenceGraceMs;
    seam.heartbeat("n2");
    expect(await seam.reconciler.reconcile("jenkins", silentLogger)).toEqual({});
    expect(sharesSaid()).toEqual([
      `getAccessPoint ${ap}`, `untagAccessPoint ${ap} swarmvol/at/i-n1`, `tagAccessPoint ${ap} swarmvol/epoch=2`,
      `getAccessPoint ${ap}`, `ensureMountTarget ${fs} zone=us-east-1b`, `tagAccessPoint ${ap} swarmvol/at/i-n2=172.31.0.5`,
    ]);
    expect(record().status).toMatchObject({ epoch: 2, grantedTo: { nodeId: "n2", instanceId: "i-n2", epoch: 2 } });
    expect(record().status.lastMove).toMatchObject({ fromNode: "n1", toNode: "n2", forced: true });
    expect(shares.accessPoints.get(ap as string)?.tags).toEqual({
      "swarmvol/name": "jenkins", "swarmvol/uid": "u-jenkins", "swarmvol/epoch": "2", "swarmvol/at/i-n2": "172.31.0.5",
      // the options, in EFS's tag characters (storage/efs/specTag.ts)
      "swarmvol/spec": `${record().createdAt} backend=efs gid=1000 uid=1000`,
    });

    // a controller that lost its catalog rebuilds the entry from the cloud, as an EFS volume with its options
    const lost = new MemoryCatalog();
    expect(await rebuildFromCloud(lost, await seam.cloud.describe(), silentLogger)).toEqual(["jenkins"]);
    expect(lost.get("jenkins")).toMatchObject({
      uid: "u-jenkins", createdAt: record().createdAt, spec: { backend: "efs", options: record().spec.options },
      status: { backendId: ap, zone: "us-east-1", epoch: 2, fresh: false },
    });
    expect(lost.get("jenkins")?.spec.options).toEqual({ backend: "efs", uid: "1000", gid: "1000" });
    sharesSaid();

    // the service is removed, then the volume
    seam.world.tasks = [];
    seam.heartbeat("n1"); // back, with nothing mounted (its agent unmounted when its lease lapsed)
    seam.heartbeat("n2");
    await seam.service.remove("jenkins");
    expect(sharesSaid()).toEqual([`getAccessPoint ${ap}`, `untagAccessPoint ${ap} swarmvol/at/i-n2`, `getAccessPoint ${ap}`, `deleteAccessPoint ${ap} u-jenkins`]);
    expect(shares.accessPoints.size).toBe(0);
    expect(shares.fileSystems.size).toBe(1); // the pool stays for the other volumes
    expect(seam.catalog.get("jenkins")).toBeUndefined();

    // no block step was ever asked of EBS: only the instance states of the fencing, and the rebuild's bulk describe
    expect(seam.ebs.calls).toEqual(["describeInstances i-n1", "describe *"]);
  });

  it("refuses to place a single-writer share on a second node, and to delete one still placed", async () => {
    await seam.service.create("jenkins", { backend: "efs" });
    seam.world.tasks = [task("t1", "n1")];
    await seam.reconciler.reconcile("jenkins", silentLogger);
    const efsId = record().status.backendId as string;
    const second = routeBackends({ registry: new BackendRegistry([ebsDefinition, efsDefinition], "ebs"), backends: new Map<string, BackendVolumes>([["ebs", seam.ebs], ["efs", new EfsVolumes(shares, {
      pool: { owner: { kind: "pool", pool: "default" }, performanceMode: "generalPurpose", throughputMode: "elastic", encrypted: true },
      region: "us-east-1", subnetOf: async () => ({ subnetId: "subnet-b", zone: "us-east-1b" }),
    })]]), instances: seam.ebs });
    await expect(second.attach(efsId, "i-n2")).rejects.toMatchObject({ code: ErrorCode.Conflict, details: { holders: ["i-n1"] } });
    await expect(second.delete(efsId)).rejects.toMatchObject({ code: ErrorCode.InUse });
    expect(shares.accessPoints.get(efsId)?.tags["swarmvol/at/i-n2"]).toBeUndefined();
  });
});
