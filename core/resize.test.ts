import { describe, expect, it } from "vitest";
import {
  growShortfall,
  decideResize, describeResize, growAtMount, nextResizeStep, phaseOf, restoredResize, sameStoredResize, storedResize,
  type ResizeFacts, type ResizeStatus, type ResizeStep,
} from "./resize.js";
import type { VolumeRecord, VolumeStatus } from "./volume.js";

const GiB = 1024 ** 3;
const now = Date.parse("2026-12-02T10:00:00.000Z");

const volume = (status: Partial<VolumeStatus> = {}, backend = "ebs", sizeBytes = 20 * GiB): VolumeRecord => ({
  uid: "u-1", createdAt: "2026-12-01T00:00:00.000Z", spec: { name: "pgdata", backend, sizeBytes, fsType: "xfs", options: { size: "20" } },
  status: { phase: "ready", fresh: false, epoch: 2, backendId: "vol-1", ...status },
});

const resizing = (extra: Partial<ResizeStatus> = {}): ResizeStatus => ({ wantedBytes: 30 * GiB, requestedAt: "2026-12-02T09:00:00.000Z", phase: "cloud", ...extra });

describe("decideResize: refusals name why and the fix", () => {
  it.each<[string, VolumeRecord, Partial<Parameters<typeof decideResize>[0]>, string, RegExp]>([
    ["a local volume", volume({}, "local"), {}, "INVALID_ARGUMENT", /local backend.*does not grow.*create a bigger volume/],
    ["an EFS share", volume({}, "efs"), {}, "INVALID_ARGUMENT", /EFS share, which has no fixed size/],
    ["an NFS share", volume({}, "nfs"), {}, "INVALID_ARGUMENT", /NFS share/],
    ["an unknown backend", volume({}, "ceph"), {}, "INVALID_ARGUMENT", /ceph backend, which cannot resize volumes \(only ebs can\)/],
    ["a controller without CloudResize", volume(), { canResize: false }, "UNAVAILABLE", /cannot grow cloud volumes/],
    ["a volume being created", volume({ phase: "creating" }), {}, "CONFLICT", /still being created; retry/],
    ["a volume moving to another zone", volume({ relocation: { fromVolumeId: "vol-1", fromZone: "a", toZone: "b", epoch: 2 } }), {}, "CONFLICT", /moving to another zone \(b\); resize it once it is mounted there/],
    ["a shrink below the cloud volume", volume(), { sizeBytes: 10 * GiB, cloudBytes: 20 * GiB }, "INVALID_ARGUMENT", /is 20GiB and volumes only grow: give a size of at least 20GiB \(`swarmvol resize pgdata 20GiB`\)/],
    ["a shrink below the spec when there is no cloud volume", volume({ backendId: undefined }), { sizeBytes: 19 * GiB }, "INVALID_ARGUMENT", /at least 20GiB/],
    ["a size past the limit", volume(), { sizeBytes: 65 * 1024 * GiB, cloudBytes: 20 * GiB }, "INVALID_ARGUMENT", /too large: the limit is 64TiB/],
  ])("%s", (_what, record, extra, code, message) => {
    const decision = decideResize({ record, sizeBytes: 30 * GiB, cloudBytes: 20 * GiB, canResize: true, now, ...extra });
    expect(decision.kind).toBe("refused");
    if (decision.kind !== "refused") return;
    expect([decision.error.code, decision.error.message]).toEqual([code, expect.stringMatching(message)]);
  });

  it("names the least size in whole GiB even when the cloud volume is not (rounded up)", () => {
    const decision = decideResize({ record: volume(), sizeBytes: GiB, cloudBytes: 20 * GiB + 1, canResize: true, now });
    expect(decision.kind === "refused" && decision.error.message).toMatch(/give a size of at least 21GiB/);
  });
});

describe("decideResize: what a request starts", () => {
  it("rounds up to whole GiB on EBS and starts with the cloud, the filesystem filling the cloud volume as it is", () => {
    expect(decideResize({ record: volume(), sizeBytes: 25.5 * GiB, cloudBytes: 20 * GiB, canResize: true, now })).toEqual({
      kind: "accepted", wantedBytes: 26 * GiB,
      resize: { wantedBytes: 26 * GiB, requestedAt: "2026-12-02T10:00:00.000Z", phase: "cloud", cloudBytes: 20 * GiB, grownForBytes: 20 * GiB },
    });
  });

  it("a volume without a cloud volume is done at once: it is made, and formatted, at the new size", () => {
    expect(decideResize({ record: volume({ backendId: undefined }), sizeBytes: 30 * GiB, canResize: true, now })).toEqual({
      kind: "accepted", wantedBytes: 30 * GiB,
      resize: { wantedBytes: 30 * GiB, requestedAt: "2026-12-02T10:00:00.000Z", phase: "done", grownForBytes: 30 * GiB, doneAt: "2026-12-02T10:00:00.000Z" },
    });
  });

  it("a new size during a resize keeps what the filesystem was grown for, and may lower a request not reached yet", () => {
    const record = { ...volume({ resize: resizing({ grownForBytes: 20 * GiB }) }), spec: { ...volume().spec, sizeBytes: 30 * GiB } };
    const lower = decideResize({ record, sizeBytes: 25 * GiB, cloudBytes: 20 * GiB, canResize: true, now });
    expect(lower).toMatchObject({ kind: "accepted", wantedBytes: 25 * GiB, resize: { grownForBytes: 20 * GiB, phase: "cloud" } });
  });

  it.each<[string, VolumeRecord]>([
    ["the size the volume has", volume()],
    ["the size already asked for", { ...volume({ resize: resizing() }), spec: { ...volume().spec, sizeBytes: 30 * GiB } }],
  ])("%s is unchanged (a retry: the same effect)", (_what, record) => {
    expect(decideResize({ record, sizeBytes: record.spec.sizeBytes, cloudBytes: 20 * GiB, canResize: true, now })).toEqual({ kind: "unchanged" });
  });
});

describe("nextResizeStep", () => {
  const facts = (extra: Partial<ResizeFacts>): ResizeFacts => ({ resize: resizing({ grownForBytes: 20 * GiB }), wantedBytes: 30 * GiB, cloudBytes: 20 * GiB, ...extra });
  it.each<[string, Partial<ResizeFacts>, ResizeStep]>([
    ["no cloud volume: nothing (it is made at the wanted size)", { cloudBytes: undefined }, { kind: "done" }],
    ["the cloud volume is smaller than wanted", { holder: "n1" }, { kind: "growCloud", sizeBytes: 30 * GiB }],
    ["the cloud grew and the holder mounts it", { cloudBytes: 30 * GiB, holder: "n1" }, { kind: "growFilesystem", nodeId: "n1", sizeBytes: 30 * GiB }],
    ["the cloud grew and nobody mounts it", { cloudBytes: 30 * GiB }, { kind: "awaitMount", sizeBytes: 30 * GiB }],
    ["the cloud grew past the wanted size (an earlier, larger request)", { cloudBytes: 32 * GiB, holder: "n1" }, { kind: "growFilesystem", nodeId: "n1", sizeBytes: 32 * GiB }],
    ["the filesystem fills the cloud volume", { cloudBytes: 30 * GiB, holder: "n1", resize: resizing({ grownForBytes: 30 * GiB }) }, { kind: "done" }],
    ["nothing known of the filesystem: it fills the volume", { cloudBytes: 30 * GiB, holder: "n1", resize: resizing() }, { kind: "done" }],
  ])("%s", (_what, extra, step) => {
    expect(nextResizeStep(facts(extra))).toEqual(step);
  });

  it.each<[ResizeStep, string]>([
    [{ kind: "growCloud", sizeBytes: 1 }, "cloud"], [{ kind: "growFilesystem", nodeId: "n", sizeBytes: 1 }, "filesystem"],
    [{ kind: "awaitMount", sizeBytes: 1 }, "mount"], [{ kind: "done" }, "done"],
  ])("phaseOf(%j) is %s", (step, phase) => expect(phaseOf(step)).toBe(phase));
});

describe("growAtMount: what a mount must grow", () => {
  it.each<[string, ResizeStatus | undefined, number | undefined]>([
    ["never resized", undefined, undefined],
    ["the cloud still grows", resizing({ cloudBytes: 20 * GiB, grownForBytes: 20 * GiB }), undefined],
    ["the cloud grew and the filesystem did not", resizing({ phase: "mount", cloudBytes: 30 * GiB, grownForBytes: 20 * GiB }), 30 * GiB],
    ["the filesystem fills it", resizing({ phase: "done", cloudBytes: 30 * GiB, grownForBytes: 30 * GiB }), undefined],
  ])("%s", (_what, resize, size) => expect(growAtMount(resize)).toBe(size));
});

describe("the resize in Swarm's store", () => {
  it("keeps the wanted size, the request's time and what the filesystem fills; nothing else", () => {
    expect(storedResize(resizing({ cloudBytes: 30 * GiB, grownForBytes: 20 * GiB, error: "x", phase: "filesystem" })))
      .toEqual({ wantedBytes: 30 * GiB, requestedAt: "2026-12-02T09:00:00.000Z", grownForBytes: 20 * GiB });
    expect(storedResize(undefined)).toBeUndefined();
    expect(sameStoredResize(storedResize(resizing()), storedResize(resizing({ phase: "done", error: "e" })))).toBe(true);
    expect(sameStoredResize(storedResize(resizing()), storedResize(resizing({ grownForBytes: 30 * GiB })))).toBe(false);
    expect(sameStoredResize(undefined, storedResize(resizing()))).toBe(false);
  });

  it("a new leader takes the stored request, with the cache's phase and sizes when they are of the same request", () => {
    const stored = { wantedBytes: 30 * GiB, requestedAt: "2026-12-02T09:00:00.000Z", grownForBytes: 30 * GiB };
    expect(restoredResize(stored, resizing({ phase: "filesystem", cloudBytes: 30 * GiB, grownForBytes: 20 * GiB })))
      .toEqual(resizing({ phase: "filesystem", cloudBytes: 30 * GiB, grownForBytes: 30 * GiB }));
    expect(restoredResize(stored, { ...resizing(), requestedAt: "2026-11-01T00:00:00.000Z", phase: "done" })).toEqual(resizing({ grownForBytes: 30 * GiB }));
    expect(restoredResize(undefined, resizing())).toBeUndefined();
  });
});

describe("describeResize", () => {
  it.each<[ResizeStatus, string]>([
    [resizing({ cloudBytes: 20 * GiB }), "the cloud volume grows to 30GiB (now 20GiB)"],
    [resizing({ phase: "filesystem", cloudBytes: 30 * GiB, error: "node n1 could not grow the filesystem: boom" }), "the cloud volume is 30GiB; the node that mounts it grows its filesystem; last error: node n1 could not grow the filesystem: boom"],
    [resizing({ phase: "mount", cloudBytes: 30 * GiB }), "the cloud volume is 30GiB; its filesystem grows at its next mount (nobody mounts it now)"],
    [resizing({ phase: "done", filesystemBytes: 29.98 * GiB, grownOn: "n1" }), "done: 30GiB, filesystem 29.98GiB (grown on n1)"],
  ])("%j", (resize, words) => expect(describeResize(resize)).toBe(words));
});

describe("growShortfall: a grow that exited well but did not fill the device", () => {
  const MiB = 1024 ** 2;
  it.each<[string, number, number, boolean]>([
    ["xfs on 1 GiB, as the lab measures it (960 MiB)", 960 * MiB, 1024 * MiB, false],
    ["xfs grown to 2 GiB, as the lab measured it (1984 MiB)", 1984 * MiB, 2048 * MiB, false],
    ["ext4 on 1 TiB (about 2 % metadata)", 1004 * 1024 * MiB, 1024 * 1024 * MiB, false],
    ["a 1 GiB filesystem left on a 2 GiB device", 960 * MiB, 2048 * MiB, true],
    ["10 GiB left on 11 GiB", 10 * 1024 * MiB, 11 * 1024 * MiB, true],
  ])("%s", (_what, filesystemBytes, deviceBytes, short) => {
    expect(growShortfall({ deviceBytes, filesystemBytes }) !== undefined).toBe(short);
  });
});
