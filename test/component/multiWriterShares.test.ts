/**
 * A multi-writer share (`-o access=multi-writer`, core/sharedPlacement.ts) through the
 * controller's backend seam, on EFS (access-point tags) and NFS (marker files): tasks on two
 * nodes at once are both placed and granted, each its own placement; one node's lease
 * lapsing revokes that node alone (the other keeps its grant, its placement and its mount);
 * the node is placed again once its agent is back. A single-writer EFS share beside it still
 * goes to one node at a time.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { BackendDefinition } from "../../core/backends.js";
import type { BackendVolumes } from "../../core/cloud.js";
import { silentLogger } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import { EfsVolumes } from "../../storage/efs/efsVolumes.js";
import { efsDefinition } from "../../storage/efs/options.js";
import { NfsVolumes } from "../../storage/nfs/nfsVolumes.js";
import { nfsDefinition } from "../../storage/nfs/options.js";
import type { FakeClock } from "../fakes/clock.js";
import { FakeExportDirectories } from "../fakes/fakeExportDirectories.js";
import { FakeFileShares } from "../fakes/fakeFileShares.js";
import { shareSeam, volumeTask, type ShareSeam } from "../fakes/shareSeam.js";

const ttlMs = 10_000;
const policy = { fenceGraceMs: 5_000, pollMs: 1_000 };
const zones: Record<string, string> = { n1: "us-east-1a", n2: "us-east-1b" };
const task = (id: string, nodeId: string, volume = "artifacts") => volumeTask(id, nodeId, volume, "/srv/artifacts");
const placedTag = /^swarmvol\/at\/(.+)$/;

/** One share backend over its recording fake, and where the fake says the volume is placed. */
interface Backend {
  name: string;
  definition: BackendDefinition;
  verbs(clock: FakeClock): BackendVolumes;
  /** Instances the backend has the volume `id` placed on (its `swarmvol/at/<instance>` tags or marker entries). */
  placedOn(id: string): string[];
}

function efs(): Backend {
  const shares = new FakeFileShares();
  return {
    name: "efs", definition: efsDefinition,
    verbs: () => new EfsVolumes(shares, {
      pool: { owner: { kind: "pool", pool: "default" }, performanceMode: "generalPurpose", throughputMode: "elastic", encrypted: true },
      region: "us-east-1",
      subnetOf: async (instanceId) => ({ subnetId: `subnet-${zones[instanceId.slice(2)] as string}`, zone: zones[instanceId.slice(2)] as string }),
    }),
    placedOn: (id) => placements(shares.accessPoints.get(id)?.tags),
  };
}

function nfs(): Backend {
  const exports = new FakeExportDirectories();
  return {
    name: "nfs", definition: nfsDefinition,
    verbs: (clock) => new NfsVolumes(exports, {
      export: { server: "nas.lab", path: "/srv/swarm" }, mountOptions: [], region: "us-east-1", logger: silentLogger,
      now: () => new Date(clock.now()).toISOString(),
    }),
    placedOn: (id) => placements(exports.markers.get(id)?.tags),
  };
}

function placements(tags: Readonly<Record<string, string>> | undefined): string[] {
  return Object.keys(tags ?? {}).map((key) => placedTag.exec(key)?.[1]).filter((id): id is string => id !== undefined).sort();
}

describe.each([{ backend: efs }, { backend: nfs }])("a multi-writer share on $backend.name", ({ backend: make }) => {
  let backend: Backend;
  let seam: ShareSeam;
  const record = (name = "artifacts") => seam.catalog.get(name) as VolumeRecord;
  const holders = (name = "artifacts") => (record(name).status.holders ?? []).map((grant) => `${grant.nodeId}@${grant.epoch}`);
  const heartbeat = (nodeId: string, mounts: string[] = []) =>
    seam.service.heartbeat(nodeId, { hostname: nodeId, instanceId: `i-${nodeId}`, zone: zones[nodeId] as string, mounts: mounts.map((volume) => ({ volume, epoch: 1 })) });

  beforeEach(() => {
    backend = make();
    seam = shareSeam({ share: backend.definition, uid: "u-artifacts", ttlMs, policy, zones, verbs: (clock) => backend.verbs(clock) });
  });

  it("is granted to two nodes at once; one node's lapsed lease revokes that node alone; it is placed again when back", async () => {
    await seam.service.create("artifacts", { backend: backend.name, access: "multi-writer" });
    seam.world.tasks = [task("t1", "n1"), task("t2", "n2")];
    expect(await seam.reconciler.reconcile("artifacts", silentLogger)).toEqual({});
    const id = record().status.backendId as string;
    expect(backend.placedOn(id)).toEqual(["i-n1", "i-n2"]);
    expect(holders()).toEqual(["n1@1", "n2@1"]);
    expect(record().status.grantedTo).toBeUndefined();
    expect(record().status.lastMove).toBeUndefined(); // placing a share in several places is no move
    const [n1, n2] = [seam.service.claim("artifacts", "n1"), seam.service.claim("artifacts", "n2")];
    expect([n1.state, n2.state]).toEqual(["granted", "granted"]);
    expect(n1).toMatchObject({ volumeId: id, epoch: 1 });
    expect(n1.state === "granted" && n2.state === "granted" && n1.device !== n2.device).toBe(backend.name === "efs"); // EFS: a mount target per zone
    expect(await heartbeat("n1", ["artifacts"])).toMatchObject({ revoke: [] });
    expect(await heartbeat("n2", ["artifacts"])).toMatchObject({ revoke: [] });

    // n1 is cut off: its lease lapses and the grace passes while n2 keeps renewing
    seam.clock.current += ttlMs + policy.fenceGraceMs;
    await heartbeat("n2", ["artifacts"]);
    await seam.reconciler.reconcile("artifacts", silentLogger);
    expect(holders()).toEqual(["n2@1"]);
    expect(backend.placedOn(id)).toEqual(["i-n2"]);
    expect(record().status.condition?.reason).toBe("NodeUnknown"); // its task still wants it on n1
    expect(seam.service.claim("artifacts", "n1").state).toBe("pending");
    expect(seam.service.claim("artifacts", "n2")).toMatchObject({ state: "granted", epoch: 1 });
    expect(await heartbeat("n2", ["artifacts"])).toMatchObject({ revoke: [] });

    // n1's agent is back (it unmounted when its lease lapsed): placed and granted there again
    await heartbeat("n1");
    await seam.reconciler.reconcile("artifacts", silentLogger);
    expect(holders()).toEqual(["n2@1", "n1@1"]);
    expect(backend.placedOn(id)).toEqual(["i-n1", "i-n2"]);
    expect(record().status.condition).toBeUndefined();
    // no block step: only the lapsed node's instance state was asked of EC2
    expect(seam.ebs.calls).toEqual(["describeInstances i-n1"]);
  });

  it("places a plain docker run on a second node beside the task's, never refusing it as in use", async () => {
    await seam.service.create("artifacts", { backend: backend.name, access: "multi-writer" });
    seam.world.tasks = [task("t1", "n1")];
    await seam.reconciler.reconcile("artifacts", silentLogger);
    await heartbeat("n1", ["artifacts"]);
    expect(seam.service.claim("artifacts", "n2").state).toBe("pending");
    seam.clock.current += 5_000; // long past the single-writer refusal's informer-lag allowance (refuseAfterMs)
    await heartbeat("n1", ["artifacts"]);
    expect(seam.service.claim("artifacts", "n2").state).toBe("pending");
    await seam.reconciler.reconcile("artifacts", silentLogger);
    expect(seam.service.claim("artifacts", "n2")).toMatchObject({ state: "granted", epoch: 1 });
    expect(holders()).toEqual(["n1@1", "n2@1"]);
  });

  it("releases a holder whose task left on its own, the other kept", async () => {
    await seam.service.create("artifacts", { backend: backend.name, access: "multi-writer" });
    seam.world.tasks = [task("t1", "n1"), task("t2", "n2")];
    await seam.reconciler.reconcile("artifacts", silentLogger);
    const id = record().status.backendId as string;
    seam.world.tasks = [task("t2", "n2")];
    await heartbeat("n1"); // unmounted there
    await heartbeat("n2", ["artifacts"]);
    // the seam's policy has no idleDetachMs: an idle holder stays placed, as an idle volume stays attached
    await seam.reconciler.reconcile("artifacts", silentLogger);
    expect(holders()).toEqual(["n1@1", "n2@1"]);
    expect(backend.placedOn(id)).toEqual(["i-n1", "i-n2"]);
  });
});

describe("a single-writer EFS share beside it", () => {
  it("still goes to one node at a time: the second node waits while the first holds it", async () => {
    const backend = efs();
    const seam = shareSeam({ share: backend.definition, uid: "u-jenkins", ttlMs, policy, zones, verbs: (clock) => backend.verbs(clock) });
    await seam.service.create("jenkins", { backend: "efs" });
    seam.world.tasks = [task("t1", "n1", "jenkins")];
    await seam.reconciler.reconcile("jenkins", silentLogger);
    seam.heartbeat("n1", ["jenkins"]);
    seam.world.tasks = [task("t1", "n1", "jenkins"), task("t2", "n2", "jenkins")];
    await seam.reconciler.reconcile("jenkins", silentLogger);
    const status = (seam.catalog.get("jenkins") as VolumeRecord).status;
    expect(status).toMatchObject({ epoch: 1, grantedTo: { nodeId: "n1" } });
    expect(status.holders).toBeUndefined();
    expect(backend.placedOn(status.backendId as string)).toEqual(["i-n1"]);
    expect(seam.service.claim("jenkins", "n2").state).not.toBe("granted");
  });
});
