import { describe, expect, it } from "vitest";
import { conflict, internal } from "../core/errors.js";
import { FakeCloud } from "../test/fakes/fakeCloud.js";
import { FakeClock } from "../test/fakes/clock.js";
import { RecordingMetrics } from "../test/fakes/recordingMetrics.js";
import { FakeSnapshots } from "../test/fakes/fakeSnapshots.js";
import { cloudErrorCode, instrumentCloud, instrumentSnapshots } from "./instrumentedCloud.js";

describe("instrumentCloud", () => {
  it("counts and times each call by operation, ok or the error's code, and passes errors through", async () => {
    const fake = new FakeCloud();
    const clock = new FakeClock();
    const metrics = new RecordingMetrics();
    const cloud = instrumentCloud({
      ...fake,
      create: async (request) => {
        clock.current += 1500;
        return fake.create(request);
      },
      describe: (ids) => fake.describe(ids),
      attach: (volumeId, instanceId) => fake.attach(volumeId, instanceId),
      detach: (volumeId, instanceId, options) => fake.detach(volumeId, instanceId, options),
      delete: (volumeId) => fake.delete(volumeId),
      setTags: (volumeId, tags) => fake.setTags(volumeId, tags),
      describeInstances: (ids) => fake.describeInstances(ids),
    }, metrics, clock);
    await cloud.create({ uid: "u1", name: "db", sizeBytes: 1, zone: "z1", options: {} });
    fake.failNext.attach = conflict("throttled", { awsCode: "RequestLimitExceeded" });
    await expect(cloud.attach("vol-1", "i-1")).rejects.toThrow("throttled");
    expect(metrics.cloudCalls).toEqual([
      { operation: "create", code: "ok", seconds: 1.5 },
      { operation: "attach", code: "RequestLimitExceeded", seconds: 0 },
    ]);
  });

  it("counts and times the snapshot port's calls the same way", async () => {
    const fake = new FakeSnapshots();
    const metrics = new RecordingMetrics();
    const snapshots = instrumentSnapshots(fake, metrics, new FakeClock());
    const made = await snapshots.createSnapshot({ volumeId: "vol-1", key: "k", description: "d", tags: { "swarmvol/uid": "u" } });
    await snapshots.listSnapshots({ name: "db" });
    await snapshots.getSnapshot(made.id);
    await snapshots.waitCompleted(made.id, 1000);
    fake.inUse.add(made.id);
    await expect(snapshots.deleteSnapshot(made.id)).rejects.toThrow(/in use/);
    expect(metrics.cloudCalls.map((call) => `${call.operation}:${call.code}`)).toEqual([
      "createSnapshot:ok", "listSnapshots:ok", "getSnapshot:ok", "waitSnapshot:ok", "deleteSnapshot:IN_USE",
    ]);
  });

  it("a failure's code: the backend's own when it gave one, else swarmvol's, else INTERNAL", () => {
    expect(cloudErrorCode(conflict("x", { awsCode: "IncorrectState" }))).toBe("IncorrectState");
    expect(cloudErrorCode(conflict("x"))).toBe("CONFLICT");
    expect(cloudErrorCode(internal("x", { awsCode: "" }))).toBe("INTERNAL");
    expect(cloudErrorCode(new Error("socket hang up"))).toBe("INTERNAL");
  });
});
