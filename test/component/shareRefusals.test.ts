/**
 * A share (an EFS volume) is refused what only a block volume has, by its backend's kind,
 * before any catalog write, freeze or cloud call (ADR 0027 "Still to build"): a snapshot
 * (`swarmvol snapshot create`), a clone of it (`-o from=`) and a resize. Its `fsap-` id
 * never reaches EBS's CreateSnapshot, ModifyVolume or DescribeVolumes. The services are
 * the controller's own, over the backend router, EBS's recording fakes and EfsVolumes on
 * the recording FileShares; an EBS volume beside it is still snapshotted as before.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { routeBackends } from "../../controller/backendRouter.js";
import { ClaimBook } from "../../controller/claims.js";
import { NodeRegistry } from "../../controller/nodeRegistry.js";
import { GrowBroker } from "../../controller/resize/growBroker.js";
import { ResizeService } from "../../controller/resize/resizeService.js";
import { FreezeBroker } from "../../controller/snapshots/freezeBroker.js";
import { SnapshotService } from "../../controller/snapshots/snapshotService.js";
import { VolumeService } from "../../controller/volumeService.js";
import { BackendRegistry, type BackendKind } from "../../core/backends.js";
import type { BackendVolumes } from "../../core/cloud.js";
import { ErrorCode } from "../../core/errors.js";
import { silentLogger } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import { ebsDefinition } from "../../storage/ebs/options.js";
import { EfsVolumes } from "../../storage/efs/efsVolumes.js";
import { efsDefinition } from "../../storage/efs/options.js";
import { FakeClock } from "../fakes/clock.js";
import { FakeCloud } from "../fakes/fakeCloud.js";
import { FakeFileShares } from "../fakes/fakeFileShares.js";
import { FakeResize } from "../fakes/fakeResize.js";
import { FakeSnapshots } from "../fakes/fakeSnapshots.js";
import { MemoryJournal } from "../fakes/memoryJournal.js";
import { MemoryCatalog } from "../fakes/memoryState.js";
import { RecordingMetrics } from "../fakes/recordingMetrics.js";

const GiB = 1024 ** 3;
const backends = new BackendRegistry([ebsDefinition, efsDefinition], "ebs");
const share: VolumeRecord = {
  uid: "u-shared", createdAt: "2026-12-03T10:00:00.000Z", spec: { name: "shared", backend: "efs", sizeBytes: 0, fsType: "ext4", options: { backend: "efs" } },
  status: { phase: "ready", fresh: false, epoch: 1, backendId: "fsap-0123456789abcdef0", zone: "us-east-1" },
};
const block: VolumeRecord = {
  uid: "u-db", createdAt: "2026-12-03T10:00:00.000Z", spec: { name: "db", backend: "ebs", sizeBytes: 20 * GiB, fsType: "ext4", options: {} },
  status: { phase: "ready", fresh: false, epoch: 1, backendId: "vol-1", zone: "us-east-1a" },
};

let clock: FakeClock;
let ebs: FakeCloud;
let shares: FakeFileShares;
let snapshots: FakeSnapshots;
let resize: FakeResize;
let catalog: MemoryCatalog;
let journal: MemoryJournal;

/** The services as the controller builds them; `backendKind` as cli/ wires it, or absent (the design's kinds). */
function services(backendKind: ((backend: string) => BackendKind) | undefined) {
  const kind = backendKind ? { backendKind } : {};
  const registry = new NodeRegistry(clock, 10_000);
  const efs = new EfsVolumes(shares, {
    pool: { owner: { kind: "pool", pool: "default" }, performanceMode: "generalPurpose", throughputMode: "elastic", encrypted: true },
    region: "us-east-1", subnetOf: async () => ({ subnetId: "subnet-a", zone: "us-east-1a" }),
  });
  const cloud = routeBackends({ registry: backends, backends: new Map<string, BackendVolumes>([["ebs", ebs], ["efs", efs]]), instances: ebs });
  const snapshotService = new SnapshotService({
    catalog, snapshots, registry, broker: new FreezeBroker(clock, () => "f1"), journal, clock, logger: silentLogger, newId: () => "r1", ...kind,
  });
  const volumes = new VolumeService({
    catalog, cloud, journal, registry, claims: new ClaimBook(clock, 5_000), clock, logger: silentLogger, metrics: new RecordingMetrics(),
    buildSpec: (name, options) => backends.buildSpec(name, options), wantsOf: () => [], enqueue: () => undefined, newUid: () => "u-copy",
    snapshots: snapshotService, ...kind,
  });
  const resizes = new ResizeService({
    catalog, cloud, resize, journal, registry, broker: new GrowBroker(clock, () => "g1"), clock, logger: silentLogger, enqueue: () => undefined, ...kind,
  });
  return { snapshotService, volumes, resizes };
}

/** Every call any cloud fake saw: EBS's volumes and snapshots (one log), its resize, EFS's FileShares. */
const cloudCalls = () => [...ebs.calls, ...resize.calls, ...shares.calls.map((call) => call.op)];

beforeEach(async () => {
  clock = new FakeClock();
  ebs = new FakeCloud();
  snapshots = new FakeSnapshots(() => clock.now(), true, ebs.calls);
  resize = new FakeResize(ebs);
  shares = new FakeFileShares();
  catalog = new MemoryCatalog();
  journal = new MemoryJournal(() => clock.now());
  await catalog.put(share);
  await catalog.put(block);
  catalog.writes.splice(0);
});

describe.each([
  ["wired with the registry's kinds", (backend: string) => backends.kindOf(backend)],
  ["without a backendKind (the design's kinds)", undefined],
])("a share is refused block verbs by kind, %s", (_wiring, backendKind) => {
  it("a snapshot: INVALID_ARGUMENT naming the share's own backups; no freeze, journal entry or cloud call", async () => {
    const { snapshotService } = services(backendKind);
    const refused = snapshotService.take("shared", { reason: "manual" });
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.InvalidArgument, details: { name: "shared", backend: "efs" } });
    await expect(refused).rejects.toThrow(/volume "shared" is an efs file share, which has no snapshots .*AWS Backup for EFS/);
    expect(cloudCalls()).toEqual([]);
    expect(journal.recent("shared")).toEqual([]);
    // The EBS volume beside it is snapshotted as before.
    await snapshotService.take("db", { reason: "manual" });
    expect(ebs.calls).toEqual([expect.stringMatching(/vol-1/)]);
  });

  it("a clone of it (-o from=shared): INVALID_ARGUMENT naming what to do instead; nothing recorded, no snapshot", async () => {
    const { volumes } = services(backendKind);
    const refused = volumes.create("copy", { from: "shared" });
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.InvalidArgument, details: { name: "copy", from: "shared", backend: "efs" } });
    await expect(refused).rejects.toThrow(/volume "shared" is an efs file share: a clone starts from a snapshot of a block volume.*create "copy" without -o from and copy the files/);
    expect(catalog.get("copy")).toBeUndefined();
    expect(catalog.writes).toEqual([]);
    expect(cloudCalls()).toEqual([]);
  });

  it("a resize: INVALID_ARGUMENT (no fixed size to grow) before any describe, grow or catalog write", async () => {
    const { resizes } = services(backendKind);
    const refused = resizes.start("shared", 30 * GiB);
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.InvalidArgument, details: { name: "shared", backend: "efs" } });
    await expect(refused).rejects.toThrow(/EFS share, which has no fixed size to grow.*nothing to resize/);
    expect(cloudCalls()).toEqual([]);
    expect(catalog.writes).toEqual([]);
  });
});

it("an unserved share backend is still refused by the design's kind (an nfs record on an ebs+efs controller)", async () => {
  const { snapshotService, resizes } = services((backend) => backends.kindOf(backend));
  await catalog.put({ ...share, uid: "u-n", spec: { ...share.spec, name: "nfsvol", backend: "nfs" }, status: { ...share.status, backendId: "nfs-1" } });
  await expect(snapshotService.take("nfsvol", { reason: "manual" })).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
  await expect(resizes.start("nfsvol", GiB)).rejects.toThrow(/NFS share/);
  expect(cloudCalls()).toEqual([]);
});
