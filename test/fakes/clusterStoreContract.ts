/**
 * What every `ClusterStore` must do, as cases a test file runs in order against one store:
 * the in-memory fake, the Swarm adapter on a fake Engine, and the adapter on a real swarm.
 * That the same cases pass on all three is what lets the elector's tests trust the fake.
 *
 * The cases share one store and run in the order given (the lease is one per swarm); each
 * uses its own volume names. Assertions are node:assert, so this file needs no test runner.
 */
import assert from "node:assert/strict";
import type { ClusterStore, StoredVolume } from "../../core/clusterStore.js";
import { ErrorCode, isSwarmvolError } from "../../core/errors.js";
import type { LeaseRecord } from "../../core/leadership.js";
import type { MoveHold } from "../../core/moves.js";

export interface ContractTarget {
  store: ClusterStore;
  /** A Swarm node the store may label. */
  nodeId: string;
  /** Adds a label to the node as someone else would (Swarm, `docker node update --label-add`). */
  labelElsewhere(nodeId: string, key: string, value: string): Promise<void>;
  /** The node's labels as the swarm has them. */
  readNodeLabels(nodeId: string): Promise<Record<string, string>>;
}

export interface ContractCase {
  name: string;
  run(target: ContractTarget): Promise<void>;
}

export const leaseOf = (holder: string, transitions: number): LeaseRecord => ({
  holder,
  holderUrl: `http://${holder}:7750`,
  leaseDurationMs: 2000,
  renewPeriodMs: 500,
  acquiredAt: "2026-12-02T00:00:00.000Z",
  renewedAt: new Date(Date.UTC(2026, 11, 2, 0, 0, transitions)).toISOString(),
  transitions,
});

export const volumeOf = (name: string, uid: string, formatted = false): StoredVolume => ({
  uid,
  createdAt: "2026-12-02T00:00:00.000Z",
  spec: { name, backend: "ebs", sizeBytes: 1 << 30, fsType: "ext4", options: { size: "1G", type: "gp3" } },
  formatted,
});

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => isSwarmvolError(err, code) || assert.fail(`expected ${code}, got ${String(err)}`));
}

export const holdOf = (volume: string, id: string, ended?: MoveHold["ended"]): MoveHold => ({
  id, volume, nodeId: "node-2", hostname: "node2", fromNode: "node-1", toInstance: "i-node2", fromEpoch: 4, requestedAt: Date.UTC(2026, 11, 2, 0, 0, 0), until: Date.UTC(2026, 11, 2, 0, 10, 0),
  withService: true, before: ["task-1", "claim:node-1"], services: [{ id: "svc-1", name: "web", added: "node.hostname==node2", removed: ["node.hostname==node1"] }],
  ...(ended ? { ended } : {}),
});

const byName = (volumes: StoredVolume[], name: string) => volumes.find((volume) => volume.spec.name === name);

export const clusterStoreContract: readonly ContractCase[] = [
  {
    name: "has no lease before anyone led; a second create is CONFLICT",
    async run({ store }) {
      assert.equal(await store.readLease(), undefined);
      await store.createLease(leaseOf("a", 0));
      await rejectsWith(store.createLease(leaseOf("b", 0)), ErrorCode.Conflict);
      const read = await store.readLease();
      assert.deepEqual(read?.value, leaseOf("a", 0));
    },
  },
  {
    name: "lets exactly one of two updates based on the same version win",
    async run({ store }) {
      const before = await store.readLease();
      assert.ok(before);
      const results = await Promise.allSettled([store.updateLease(leaseOf("b", 1), before.version), store.updateLease(leaseOf("c", 1), before.version)]);
      assert.equal(results.filter((result) => result.status === "fulfilled").length, 1, JSON.stringify(results));
      const lost = results.find((result) => result.status === "rejected");
      assert.ok(lost && isSwarmvolError(lost.reason, ErrorCode.Conflict), `the loser must be CONFLICT: ${String(lost && lost.reason)}`);
      const after = await store.readLease();
      assert.ok(after && after.version > before.version);
      assert.equal(after.value.holder, results[0]?.status === "fulfilled" ? "b" : "c");
      await rejectsWith(store.updateLease(leaseOf("d", 2), before.version), ErrorCode.Conflict);
      await store.updateLease({ ...leaseOf("", 2), holderUrl: "" }, after.version);
      assert.deepEqual((await store.readLease())?.value, { ...leaseOf("", 2), holderUrl: "" });
    },
  },
  {
    name: "stores volumes, a 128-character name too, and updates only `formatted`",
    async run({ store }) {
      const long = `v${"x".repeat(126)}9`;
      assert.equal(long.length, 128);
      await store.putVolume(volumeOf("data", "uid-1"));
      await store.putVolume(volumeOf(long, "uid-2"));
      await store.putVolume(volumeOf("data", "uid-1"));
      let volumes = await store.listVolumes();
      assert.deepEqual(byName(volumes, "data"), volumeOf("data", "uid-1"));
      assert.deepEqual(byName(volumes, long), volumeOf(long, "uid-2"));
      await store.putVolume(volumeOf("data", "uid-1", true));
      volumes = await store.listVolumes();
      assert.equal(byName(volumes, "data")?.formatted, true);
      await rejectsWith(store.putVolume(volumeOf("data", "uid-other")), ErrorCode.AlreadyExists);
      assert.equal(byName(await store.listVolumes(), "data")?.uid, "uid-1");
    },
  },
  {
    name: "keeps a resize: its wanted size stands for the spec's, and what the filesystem fills is updated",
    async run({ store }) {
      const base = volumeOf("big", "uid-5", true);
      await store.putVolume(base);
      const asked: StoredVolume = {
        ...base, spec: { ...base.spec, sizeBytes: 3 * 2 ** 30 }, resize: { wantedBytes: 3 * 2 ** 30, requestedAt: "2026-12-02T10:00:00.000Z", grownForBytes: 1 << 30 },
      };
      await store.putVolume(asked);
      assert.deepEqual(byName(await store.listVolumes(), "big"), asked);
      const grown: StoredVolume = { ...asked, resize: { wantedBytes: 3 * 2 ** 30, requestedAt: "2026-12-02T10:00:00.000Z", grownForBytes: 3 * 2 ** 30 } };
      await store.putVolume(grown);
      assert.deepEqual(byName(await store.listVolumes(), "big"), grown);
    },
  },
  {
    name: "removes volumes idempotently",
    async run({ store }) {
      await store.putVolume(volumeOf("gone", "uid-3"));
      await store.removeVolume("gone");
      await store.removeVolume("gone");
      await store.removeVolume("never-was");
      assert.equal(byName(await store.listVolumes(), "gone"), undefined);
      await store.putVolume(volumeOf("gone", "uid-4"));
      assert.equal(byName(await store.listVolumes(), "gone")?.uid, "uid-4");
    },
  },
  {
    name: "keeps one move hold per volume: a new move replaces it, an arrival and an end are written over the same move only",
    async run({ store }) {
      const long = `m${"x".repeat(127)}`;
      await store.putMoveHold(holdOf("hold-a", "m1"));
      await store.putMoveHold(holdOf(long, "m2"));
      const holdsOf = async (volume: string) => (await store.listMoveHolds()).filter((hold) => hold.volume === volume);
      assert.deepEqual(await holdsOf("hold-a"), [holdOf("hold-a", "m1")]);
      assert.deepEqual(await holdsOf(long), [holdOf(long, "m2")]);
      const lapsed = { reason: "lapsed" as const, at: Date.UTC(2026, 11, 2, 0, 10, 0), message: "the move's hold on node2 lapsed at its bound" };
      await store.putMoveHold(holdOf("hold-a", "m1", lapsed));
      await store.putMoveHold(holdOf("hold-a", "m1", { ...lapsed, reason: "superseded" }));
      assert.deepEqual(await holdsOf("hold-a"), [holdOf("hold-a", "m1", lapsed)]);
      // A later fact of a standing move (its arrival) is written; once ended, nothing is.
      const arrivedAt = Date.UTC(2026, 11, 2, 0, 1, 0);
      await store.putMoveHold(holdOf("hold-b", "m4"));
      await store.putMoveHold({ ...holdOf("hold-b", "m4"), arrivedAt });
      await store.putMoveHold(holdOf("hold-b", "m4"));
      assert.deepEqual(await holdsOf("hold-b"), [{ ...holdOf("hold-b", "m4"), arrivedAt }]);
      await store.putMoveHold({ ...holdOf("hold-b", "m4", lapsed), arrivedAt });
      await store.putMoveHold({ ...holdOf("hold-b", "m4", lapsed), arrivedAt: arrivedAt + 1 });
      assert.deepEqual(await holdsOf("hold-b"), [{ ...holdOf("hold-b", "m4", lapsed), arrivedAt }]);
      await store.removeMoveHold("hold-b", "m4");
      await store.putMoveHold(holdOf("hold-a", "m3"));
      await store.putMoveHold(holdOf("hold-a", "m1", lapsed));
      await store.putMoveHold(holdOf("hold-never", "m9", lapsed));
      assert.deepEqual(await holdsOf("hold-a"), [holdOf("hold-a", "m3")]);
      assert.deepEqual(await holdsOf("hold-never"), []);
      await store.removeMoveHold("hold-a", "m1");
      assert.equal((await holdsOf("hold-a")).length, 1);
      await store.removeMoveHold("hold-a", "m3");
      await store.removeMoveHold("hold-a", "m3");
      await store.removeMoveHold(long, "m2");
      assert.deepEqual(await store.listMoveHolds(), []);
    },
  },
  {
    name: "merges node labels, removes with undefined, and keeps labels others set",
    async run({ store, nodeId, labelElsewhere, readNodeLabels }) {
      await store.setNodeLabels(nodeId, { "swarmvol.instance-id": "i-1", "swarmvol.zone": "eu-1a" });
      await labelElsewhere(nodeId, "ops.team", "storage");
      await store.setNodeLabels(nodeId, { "swarmvol.fenced": "2026-12-02T00:00:00.000Z", "swarmvol.zone": undefined });
      const labels = await readNodeLabels(nodeId);
      assert.equal(labels["ops.team"], "storage");
      assert.equal(labels["swarmvol.instance-id"], "i-1");
      assert.equal(labels["swarmvol.fenced"], "2026-12-02T00:00:00.000Z");
      assert.equal("swarmvol.zone" in labels, false);
      await store.setNodeLabels(nodeId, { "swarmvol.fenced": undefined, "swarmvol.absent": undefined });
      assert.equal("swarmvol.fenced" in (await readNodeLabels(nodeId)), false);
      await rejectsWith(store.setNodeLabels("no-such-node", { a: "1" }), ErrorCode.NotFound);
    },
  },
];
