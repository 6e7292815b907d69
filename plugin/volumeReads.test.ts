import { describe, expect, it } from "vitest";
import { notFound, unavailable } from "../core/errors.js";
import { silentLogger } from "../core/ports.js";
import type { VolumeRecord } from "../core/volume.js";
import { MemoryMountTable } from "../test/fakes/memoryState.js";
import { MemoryRecordCache, RemoteDirectory } from "./cluster/remoteDirectory.js";
import { lastMoveText, VolumeReads, volumeStatus } from "./volumeReads.js";

const t2 = Date.parse("2026-11-22T10:05:00.000Z");
const moved: VolumeRecord = {
  uid: "u-db", createdAt: "2026-11-22T10:00:00.000Z", spec: { name: "db", backend: "ebs", sizeBytes: 1 << 30, fsType: "ext4", options: { size: "1" } },
  status: {
    phase: "ready", fresh: false, epoch: 3,
    grantedTo: { nodeId: "n2", instanceId: "i-2", device: "/dev/xvdba", epoch: 3, since: "2026-11-22T10:05:04.700Z" },
    condition: { reason: "HolderAlive", message: "volume db is in use on node node1, which is alive", since: "2026-11-22T10:05:01.000Z" },
    lastMove: { fromNode: "n1", toNode: "n2", t2Seen: t2, t3Fenced: t2 + 500, t4Detached: t2 + 2600, t5Attached: t2 + 4700, forced: true },
  },
};

/** An agent's directory over a controller the test takes down. */
function agentReads(record: VolumeRecord) {
  const controller = { down: false };
  const call = async <T>(answer: () => T): Promise<T> => {
    if (controller.down) throw unavailable("controller at http://10.0.0.1:7750 unreachable: connect ECONNREFUSED");
    return answer();
  };
  const directory = new RemoteDirectory({
    cache: new MemoryRecordCache(), logger: silentLogger,
    api: {
      getVolume: (name) => call(() => { if (name !== record.spec.name) throw notFound(`no such volume "${name}"`); return structuredClone(record); }),
      listVolumes: () => call(() => [structuredClone(record)]),
      createVolume: () => call(() => record), removeVolume: () => call(() => undefined), markFormatted: () => call(() => undefined),
    },
  });
  const reads = new VolumeReads({ directory, mounts: new MemoryMountTable(), filesystem: { isMounted: async () => false }, fenced: new Map() });
  return { controller, reads };
}

describe("docker volume inspect: Status", () => {
  it("shows the condition, the holder and the last move's phases after t2", () => {
    expect(volumeStatus(moved, { mountsHere: 0, source: { from: "controller" } })).toEqual({
      backend: "ebs", size: 1 << 30, fsType: "ext4", options: { size: "1" }, uid: "u-db", epoch: 3, mountsOnThisNode: 0,
      condition: "HolderAlive: volume db is in use on node node1, which is alive (since 2026-11-22T10:05:01.000Z)",
      holder: "n2 (instance i-2, /dev/xvdba, epoch 3, since 2026-11-22T10:05:04.700Z)",
      lastMove: "n1 -> n2 (forced) seen 2026-11-22T10:05:00.000Z: t3 +0.50s, t4 +2.60s, t5 +4.70s",
      controller: "reachable",
    });
  });

  it("a volume at rest: OK, no holder, no move; a local catalog (all-in-one) says nothing of a controller", () => {
    const rest = { ...moved, status: { phase: "ready" as const, fresh: true, epoch: 0 } };
    expect(volumeStatus(rest, { mountsHere: 1, fenced: "lease lapsed" })).toMatchObject({ condition: "OK", holder: "none", lastMove: "none", fenced: "lease lapsed", mountsOnThisNode: 1 });
    expect(volumeStatus(rest, { mountsHere: 0 })).not.toHaveProperty("controller");
    expect(lastMoveText({ toNode: "n2", t2Seen: t2, forced: false })).toBe("(nowhere) -> n2 seen 2026-11-22T10:05:00.000Z: under way");
  });

  it("a multi-writer share: every holder, one after another", () => {
    const holders = ["n1", "n2"].map((nodeId) => ({ nodeId, instanceId: `i-${nodeId}`, device: `efs://10.0.0.${nodeId.slice(1)}/fs-1/fsap-1/s`, epoch: 1, since: "t" }));
    const share = { ...moved, status: { phase: "ready" as const, fresh: false, epoch: 1, holders } };
    expect(volumeStatus(share, { mountsHere: 1 }).holder).toBe("n1 (instance i-n1, efs://10.0.0.1/fs-1/fsap-1/s, epoch 1, since t); n2 (instance i-n2, efs://10.0.0.2/fs-1/fsap-1/s, epoch 1, since t)");
  });

  it("Get with the controller down answers from the cache and says so in Status, and reachable again once it answers", async () => {
    const { controller, reads } = agentReads(moved);
    expect((await reads.get("db")).Status).toMatchObject({ holder: expect.stringMatching(/^n2 /), controller: "reachable" });
    controller.down = true;
    const away = await reads.get("db");
    expect(away.Status).toMatchObject({ holder: expect.stringMatching(/^n2 /), condition: expect.stringMatching(/^HolderAlive/) });
    expect(away.Status?.controller).toMatch(/^unreachable \(controller at http:\/\/10\.0\.0\.1:7750 unreachable: connect ECONNREFUSED\): condition, holder and last move are the last this node heard$/);
    expect((await reads.list())[0]?.Status?.controller).toMatch(/^unreachable/);
    controller.down = false;
    expect((await reads.get("db")).Status?.controller).toBe("reachable");
  });
});
