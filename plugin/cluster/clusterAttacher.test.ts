import { beforeEach, describe, expect, it } from "vitest";
import type { ClaimResponse } from "../../api/contract.js";
import { ErrorCode, internal, notFound, timeout, unavailable } from "../../core/errors.js";
import { silentLogger, type DeviceLocator } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import { FakeClock } from "../../test/fakes/clock.js";
import { ClusterAttacher, type ClusterAttacherOptions } from "./clusterAttacher.js";

const record: VolumeRecord = {
  uid: "uid-db",
  createdAt: "2026-11-22T10:00:00.000Z",
  spec: { name: "db", backend: "ebs", sizeBytes: 1 << 30, fsType: "ext4", options: {} },
  status: { phase: "ready", fresh: false, epoch: 3, backendId: "vol-0abc" },
};
const granted: ClaimResponse = { state: "granted", volumeId: "vol-0abc", device: "/dev/xvdf", epoch: 4 };
const pending = (message: string): ClaimResponse => ({ state: "pending", message });

/** Answers claims from a script (the last answer repeats); records every call with its time. */
class FakeClaims {
  readonly calls: string[] = [];
  readonly waits: Array<number | undefined> = [];
  script: Array<ClaimResponse | Error> = [];
  /** How long the fake controller holds each pending answer (a long poll). */
  holdMs = 0;
  constructor(private readonly clock: FakeClock) {}
  readonly api: ClusterAttacherOptions["api"] = {
    claim: async (name, request, options) => {
      this.calls.push(`claim ${name} ${request.nodeId} t=${this.clock.now() - start} timeout=${options?.timeoutMs}`);
      this.waits.push(request.waitMs);
      const next = this.script.length > 1 ? this.script.shift() : this.script[0];
      if (!next) throw new Error("no scripted answer");
      if (next instanceof Error) throw next;
      if (next.state === "pending") this.clock.current += this.holdMs;
      return next;
    },
    wanted: async (name, request) => {
      this.calls.push(`wanted ${name} ${request.nodeId}`);
      return true;
    },
    release: async (name, request) => {
      this.calls.push(`release ${name} ${request.nodeId}`);
      const next = this.script[0];
      if (next instanceof Error) throw next;
    },
  };
}

let start: number;
let clock: FakeClock;
let claims: FakeClaims;
let located: string[];
let locator: DeviceLocator;
const attacher = (extra: Partial<ClusterAttacherOptions> = {}) =>
  new ClusterAttacher({ api: claims.api, locator, clock, logger: silentLogger, nodeId: async () => "node-b", ...extra });

beforeEach(() => {
  clock = new FakeClock();
  start = clock.now();
  claims = new FakeClaims(clock);
  located = [];
  locator = {
    locate: async (volumeId, requested, timeoutMs) => {
      located.push(`${volumeId} ${requested} ${timeoutMs}`);
      return "/dev/nvme1n1";
    },
  };
});

describe("ClusterAttacher.attach", () => {
  it("granted at once: locates the device with the remaining budget and returns the epoch", async () => {
    claims.script = [granted];
    expect(await attacher().attach(record)).toEqual({ device: "/dev/nvme1n1", epoch: 4 });
    expect(claims.calls).toEqual(["claim db node-b t=0 timeout=5000"]);
    expect(located).toEqual(["vol-0abc /dev/xvdf 100000"]);
  });

  it("a file share granted (efs://…): returned as the grant names it, with no device lookup", async () => {
    const device = "efs://172.31.0.4/fs-0123abcd/fsap-0456ef/swarmvol/db";
    claims.script = [{ state: "granted", volumeId: "fsap-0456ef", device, epoch: 4 }];
    expect(await attacher().attach(record)).toEqual({ device, epoch: 4 });
    expect(located).toEqual([]);
  });

  it("pending then granted: claims again every 250 ms", async () => {
    claims.script = [pending("fencing node-a"), pending("detaching from node-a"), granted];
    expect(await attacher().attach(record)).toEqual({ device: "/dev/nvme1n1", epoch: 4 });
    expect(claims.calls).toEqual([
      "claim db node-b t=0 timeout=5000", "claim db node-b t=250 timeout=5000", "claim db node-b t=500 timeout=5000",
    ]);
    expect(located).toEqual(["vol-0abc /dev/xvdf 99500"]);
  });

  it("asks the controller to hold a pending answer, and after a held answer claims again at once", async () => {
    claims.holdMs = 2000;
    claims.script = [pending("attaching"), pending("attaching"), granted];
    await attacher().attach(record);
    expect(claims.calls.map((call) => call.split(" ")[3])).toEqual(["t=0", "t=2000", "t=4000"]);
    expect(claims.waits).toEqual([2000, 2000, 2000]);
    expect(clock.sleeps).toEqual([]);
  });

  it("refused: CONFLICT with the controller's message naming the holder, no device wait", async () => {
    claims.script = [pending("checking"), { state: "refused", message: "volume \"db\" is in use on node-a (worker-1), which is alive" }];
    await expect(attacher().attach(record)).rejects.toMatchObject({
      code: ErrorCode.Conflict, message: "volume \"db\" is in use on node-a (worker-1), which is alive",
    });
    expect(located).toEqual([]);
  });

  it("still pending when the budget runs out: TIMEOUT with the last pending message", async () => {
    claims.script = [pending("fencing node-a"), pending("waiting for node-a's lease to expire (6 s left)")];
    const err = await attacher().attach(record).catch((caught: unknown) => caught);
    expect(err).toMatchObject({
      code: ErrorCode.Timeout,
      message: "volume \"db\" is still being moved to this node: waiting for node-a's lease to expire (6 s left); Docker will retry the task",
    });
    expect(clock.now() - start).toBe(100_000);
    expect(claims.calls).toHaveLength(400);
    expect(claims.calls.at(-1)).toBe("claim db node-b t=99750 timeout=250");
  });

  it("a custom budget is honoured", async () => {
    claims.script = [pending("attaching")];
    await expect(attacher({ budgetMs: 1000, pollMs: 400 }).attach(record)).rejects.toMatchObject({ code: ErrorCode.Timeout });
    expect(claims.calls.map((call) => call.split(" ")[3])).toEqual(["t=0", "t=400", "t=800"]);
    expect(clock.now() - start).toBe(1000);
  });

  it("keeps claiming through an unreachable controller and names it if time runs out", async () => {
    claims.script = [unavailable("controller at http://c:7750 unreachable: connect ECONNREFUSED"), granted];
    expect(await attacher().attach(record)).toEqual({ device: "/dev/nvme1n1", epoch: 4 });
    claims.calls.length = 0;
    claims.script = [unavailable("controller at http://c:7750 unreachable: connect ECONNREFUSED")];
    await expect(attacher({ budgetMs: 500 }).attach(record)).rejects.toMatchObject({
      code: ErrorCode.Timeout, message: expect.stringContaining("moved to this node: controller at http://c:7750 unreachable"),
    });
  });

  it("fails at once on an error retrying cannot fix", async () => {
    claims.script = [notFound("no such volume \"db\"")];
    await expect(attacher().attach(record)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    expect(claims.calls).toHaveLength(1);
  });

  it("wantedHere asks the controller, and answers false without a live lease or when the call fails", async () => {
    expect(await attacher().wantedHere(record)).toBe(true);
    expect(claims.calls).toEqual(["wanted db node-b"]);
    expect(await attacher({ leaseLive: () => false }).wantedHere(record)).toBe(false);
    const failing = attacher({ api: { ...claims.api, wanted: async () => { throw unavailable("controller away"); } } });
    expect(await failing.wantedHere(record)).toBe(false);
  });

  it("sends no claim while this node's lease is not live", async () => {
    let live = false;
    claims.script = [granted];
    const attaching = attacher({ leaseLive: () => live, budgetMs: 300, pollMs: 100 }).attach(record);
    await expect(attaching).rejects.toMatchObject({ code: ErrorCode.Timeout, message: expect.stringContaining("no live lease") });
    expect(claims.calls).toEqual([]);
    live = true;
    await expect(attacher({ leaseLive: () => live }).attach(record)).resolves.toMatchObject({ epoch: 4 });
  });

  it("passes the locator's failure through (device never appeared)", async () => {
    claims.script = [granted];
    locator = { locate: async () => { throw timeout("device of vol-0abc did not appear within 99 s"); } };
    await expect(attacher().attach(record)).rejects.toMatchObject({ code: ErrorCode.Timeout, message: "device of vol-0abc did not appear within 99 s" });
  });
});

describe("ClusterAttacher.release", () => {
  it("tells the controller", async () => {
    claims.script = [granted];
    await attacher().release(record);
    expect(claims.calls).toEqual(["release db node-b"]);
  });

  it("swallows an unreachable controller or a volume already gone", async () => {
    claims.script = [unavailable("controller unreachable")];
    await expect(attacher().release(record)).resolves.toBeUndefined();
    claims.script = [notFound("no such volume")];
    await expect(attacher().release(record)).resolves.toBeUndefined();
  });

  it("leaves the release to the next heartbeat while the node has no live lease (fencing)", async () => {
    claims.script = [granted];
    await attacher({ leaseLive: () => false }).release(record);
    expect(claims.calls).toEqual([]);
  });

  it("reports other failures", async () => {
    claims.script = [internal("journal write failed")];
    await expect(attacher().release(record)).rejects.toMatchObject({ code: ErrorCode.Internal });
  });
});

it("checks its options", () => {
  expect(() => attacher({ pollMs: 0 })).toThrow(/`pollMs` must be a positive number/);
});
