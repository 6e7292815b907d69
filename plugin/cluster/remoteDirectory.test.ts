import { beforeEach, describe, expect, it } from "vitest";
import { ErrorCode, invalidArgument, notFound, unavailable } from "../../core/errors.js";
import { silentLogger, type Logger } from "../../core/ports.js";
import type { VolumeRecord } from "../../core/volume.js";
import type { RemoteDirectoryOptions } from "./remoteDirectory.js";
import { MemoryRecordCache, RemoteDirectory } from "./remoteDirectory.js";

const record = (name: string, epoch = 1): VolumeRecord => ({
  uid: `uid-${name}`,
  createdAt: "2026-11-22T10:00:00.000Z",
  spec: { name, backend: "ebs", sizeBytes: 1 << 30, fsType: "ext4", options: {} },
  status: { phase: "ready", fresh: true, epoch },
});

/** A controller in memory that can be "down" (every call UNAVAILABLE). */
class FakeController implements Pick<RemoteDirectoryOptions["api"], keyof RemoteDirectoryOptions["api"]> {
  readonly volumes = new Map<string, VolumeRecord>();
  readonly calls: string[] = [];
  down = false;
  formattedAnswersRecord = false;

  private check(call: string): void {
    this.calls.push(call);
    if (this.down) throw unavailable("controller at http://10.0.0.1:7750 unreachable: connect ECONNREFUSED; is `swarmvol controller` running?");
  }
  async getVolume(name: string) {
    this.check(`get ${name}`);
    const found = this.volumes.get(name);
    if (!found) throw notFound(`no such volume "${name}"`);
    return structuredClone(found);
  }
  async listVolumes() {
    this.check("list");
    return [...this.volumes.values()].map((v) => structuredClone(v));
  }
  async createVolume(request: { name: string; options: Record<string, string> | null }, options?: { timeoutMs?: number }) {
    this.check(`create ${request.name} ${JSON.stringify(request.options)} timeout=${options?.timeoutMs}`);
    const created = this.volumes.get(request.name) ?? record(request.name);
    this.volumes.set(request.name, created);
    return structuredClone(created);
  }
  async removeVolume(name: string) {
    this.check(`remove ${name}`);
    this.volumes.delete(name);
  }
  async markFormatted(name: string) {
    this.check(`formatted ${name}`);
    const found = this.volumes.get(name);
    if (found) found.status.fresh = false;
    return this.formattedAnswersRecord && found ? structuredClone(found) : undefined;
  }
}

function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (_obj, msg) => lines.push(`warn ${msg}`),
    error: (_obj, msg) => lines.push(`error ${msg}`),
    child: () => logger,
  };
  return logger;
}

let api: FakeController;
let cache: MemoryRecordCache;
let logs: string[];
let directory: RemoteDirectory;
beforeEach(() => {
  api = new FakeController();
  cache = new MemoryRecordCache();
  logs = [];
  directory = new RemoteDirectory({ api, cache, logger: recordingLogger(logs) });
});

describe("RemoteDirectory", () => {
  it("answers Get from the controller and caches the record", async () => {
    api.volumes.set("db", record("db"));
    expect(await directory.get("db")).toEqual(record("db"));
    expect(cache.get("db")).toEqual(record("db"));
  });

  it("answers Get and List from the cache while the controller is down, with a warning", async () => {
    api.volumes.set("db", record("db"));
    api.volumes.set("logs", record("logs"));
    await directory.list();
    api.down = true;
    expect(await directory.get("db")).toEqual(record("db"));
    expect((await directory.list()).map((v) => v.spec.name)).toEqual(["db", "logs"]);
    expect(logs).toEqual(["warn controller unreachable: answering Get from the cache", "warn controller unreachable: answering List from the cache"]);
  });

  it("with the controller down and nothing cached, Get fails UNAVAILABLE, never 'no such volume'", async () => {
    api.down = true;
    await expect(directory.get("db")).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
      message: expect.stringMatching(/unreachable.*no cached record of volume "db"/),
    });
  });

  it("a NOT_FOUND from a reachable controller evicts the cached record", async () => {
    api.volumes.set("db", record("db"));
    await directory.get("db");
    api.volumes.delete("db");
    expect(await directory.get("db")).toBeUndefined();
    expect(cache.get("db")).toBeUndefined();
    api.down = true;
    await expect(directory.get("db")).rejects.toMatchObject({ code: ErrorCode.Unavailable });
  });

  it("a successful List replaces the cache (volumes removed elsewhere are forgotten)", async () => {
    api.volumes.set("db", record("db"));
    await directory.get("db");
    api.volumes.clear();
    api.volumes.set("logs", record("logs"));
    await directory.list();
    expect(cache.list().map((v) => v.spec.name)).toEqual(["logs"]);
  });

  it("refreshes a cached record that changed", async () => {
    api.volumes.set("db", record("db", 1));
    await directory.get("db");
    api.volumes.set("db", record("db", 4));
    await directory.get("db");
    expect(cache.get("db")?.status.epoch).toBe(4);
  });

  it("does not rewrite the cache when only the controller's move status changed (each write is an fsync)", async () => {
    api.volumes.set("db", record("db", 1));
    await directory.get("db");
    await directory.list();
    let writes = 0;
    const put = cache.put.bind(cache);
    const replaceAll = cache.replaceAll.bind(cache);
    cache.put = async (next) => { writes += 1; await put(next); };
    cache.replaceAll = async (next) => { writes += 1; await replaceAll(next); };
    const moving = record("db", 1);
    api.volumes.set("db", { ...moving, status: { ...moving.status, grantedTo: { nodeId: "n2", instanceId: "i-2", device: "/dev/xvdf", epoch: 1, since: "t" }, lastMove: { toNode: "n2", t2Seen: 5, forced: false } } });
    await directory.get("db");
    await directory.list();
    expect(writes).toBe(0);
    api.volumes.set("db", record("db", 2));
    await directory.get("db");
    expect(writes).toBe(1);
  });

  it("create sends string options with the long deadline and caches the result", async () => {
    const created = await directory.create("db", { size: "20", type: "gp3" });
    expect(created.spec.name).toBe("db");
    expect(api.calls).toEqual([`create db {"size":"20","type":"gp3"} timeout=100000`]);
    expect(cache.get("db")).toBeDefined();
    await directory.create("null-opts", null);
    expect(api.calls[1]).toBe("create null-opts null timeout=100000");
  });

  it("create rejects a non-string option before calling the controller", async () => {
    await expect(directory.create("db", { size: 20 })).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    expect(api.calls).toEqual([]);
  });

  it("writes fail with the controller's UNAVAILABLE error while it is down", async () => {
    api.volumes.set("db", record("db"));
    await directory.get("db");
    api.down = true;
    for (const write of [() => directory.create("x", null), () => directory.remove("db"), () => directory.markFormatted("db")]) {
      await expect(write()).rejects.toMatchObject({ code: ErrorCode.Unavailable, message: expect.stringContaining("is `swarmvol controller` running?") });
    }
    expect(cache.get("db")).toBeDefined();
  });

  it("remove evicts; markFormatted clears the cached fresh mark", async () => {
    api.volumes.set("db", record("db"));
    api.volumes.set("logs", record("logs"));
    await directory.list();
    await directory.markFormatted("db");
    expect(cache.get("db")?.status.fresh).toBe(false);
    api.formattedAnswersRecord = true;
    await directory.markFormatted("logs");
    expect(cache.get("logs")).toEqual(api.volumes.get("logs"));
    await directory.remove("db");
    expect(cache.get("db")).toBeUndefined();
  });

  it("passes other controller errors through unchanged", async () => {
    api.getVolume = async () => {
      throw invalidArgument("invalid volume name");
    };
    await expect(directory.get("db")).rejects.toMatchObject({ code: ErrorCode.InvalidArgument, message: "invalid volume name" });
  });
});

describe("RemoteDirectory while the controller is away", () => {
  it("answers Get from the cache without calling the controller", async () => {
    const calls: string[] = [];
    const record = { uid: "u", createdAt: "2026-01-01T00:00:00.000Z", spec: { name: "db", backend: "ebs", sizeBytes: 1, fsType: "ext4" as const, options: {} }, status: { phase: "ready" as const, fresh: false, epoch: 1 } };
    const cache = new MemoryRecordCache();
    await cache.put(record);
    const api = {
      getVolume: async () => { calls.push("get"); throw new Error("must not be called"); },
      listVolumes: async () => [], createVolume: async () => record, removeVolume: async () => undefined, markFormatted: async () => undefined,
    };
    const directory = new RemoteDirectory({ api, cache, logger: silentLogger, controllerAway: () => true });
    expect(await directory.get("db")).toEqual(record);
    expect(calls).toEqual([]);
  });
});
