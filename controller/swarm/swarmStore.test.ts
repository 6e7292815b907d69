import { describe, expect, it } from "vitest";
import { ErrorCode, isSwarmvolError, unavailable } from "../../core/errors.js";
import type { Logger } from "../../core/ports.js";
import { clusterStoreContract, leaseOf, volumeOf } from "../../test/fakes/clusterStoreContract.js";
import { dockerError, FakeDockerStoreApi } from "../../test/fakes/fakeDockerStoreApi.js";
import { DockerSwarmStore, translateStoreError, type DockerStoreApi } from "./swarmStore.js";
import { leaderConfigData, leaseFromLabels, leaseToLabels, mergeLabels, resizeFromLabel, storeLabels, volumeConfigName, volumeToConfig } from "./swarmStoreCodec.js";

// Compile-time proof that the dockerode instance cli/ builds fits the narrowed interface.
const _fitsDockerode = (docker: import("dockerode")): DockerStoreApi => docker;
void _fitsDockerode;

const codeOf = async (promise: Promise<unknown>) => promise.then(() => "resolved", (err: unknown) => (isSwarmvolError(err) ? err.code : String(err)));

/** The fake Engine with some calls replaced (a spread would miss the class's methods). */
const withCalls = (docker: FakeDockerStoreApi, overrides: Partial<DockerStoreApi>): DockerStoreApi => ({
  listConfigs: (options) => docker.listConfigs(options),
  createConfig: (options) => docker.createConfig(options),
  getConfig: (id) => docker.getConfig(id),
  getNode: (id) => docker.getNode(id),
  ...overrides,
});

function setup() {
  const docker = new FakeDockerStoreApi();
  docker.addNode("node-1", { keep: "me" });
  const warnings: Array<[object, string]> = [];
  const logger: Logger = { debug() {}, info() {}, warn: (obj, msg) => warnings.push([obj, msg]), error() {}, child: () => logger };
  return { docker, warnings, store: new DockerSwarmStore({ docker, logger }) };
}

describe("DockerSwarmStore on a fake Engine: the ClusterStore contract", () => {
  const { docker, store } = setup();
  const target = {
    store,
    nodeId: "node-1",
    labelElsewhere: async (id: string, key: string, value: string) => docker.touchNode(id, { [key]: value }),
    readNodeLabels: async (id: string) => (docker.nodes.get(id)?.spec.Labels ?? {}) as Record<string, string>,
  };
  for (const c of clusterStoreContract) it(c.name, () => c.run(target));
});

describe("the lease config", () => {
  it("round-trips a record through labels and parses a hand-edited one without throwing", () => {
    expect(leaseFromLabels(leaseToLabels(leaseOf("a", 3)))).toEqual(leaseOf("a", 3));
    expect(leaseFromLabels({ [storeLabels.holder]: "x", [storeLabels.leaseDurationMs]: "2s", [storeLabels.transitions]: "-1", [storeLabels.renewPeriodMs]: "1.5" }))
      .toEqual({ holder: "x", holderUrl: "", leaseDurationMs: 0, renewPeriodMs: 0, acquiredAt: "", renewedAt: "", transitions: 0 });
    expect(leaseFromLabels({})).toMatchObject({ holder: "", transitions: 0 });
  });

  it("creates swarmvol-leader with the kind label and constant Data, spec in the body only", async () => {
    const docker = new FakeDockerStoreApi();
    let seen: unknown;
    const spy = withCalls(docker, { createConfig: async (options) => ((seen = options), docker.createConfig(options)) });
    await new DockerSwarmStore({ docker: spy }).createLease(leaseOf("a", 0));
    expect(seen).toMatchObject({ _query: {}, _body: { Name: "swarmvol-leader", Data: leaderConfigData, Labels: { "swarmvol.kind": "leader", "swarmvol.leader.holder": "a" } } });
    expect((seen as { abortSignal?: unknown }).abortSignal).toBeInstanceOf(AbortSignal);
  });

  it("keeps the Data of a hand-made record when updating it (Swarm allows label changes only)", async () => {
    const { docker, store } = setup();
    docker.putRawConfig({ Name: "swarmvol-leader", Labels: { [storeLabels.holder]: "old" }, Data: Buffer.from("by hand").toString("base64") });
    const read = await store.readLease();
    expect(read?.value.holder).toBe("old");
    await store.updateLease(leaseOf("a", 1), read?.version ?? 0);
    expect((await store.readLease())?.value).toEqual(leaseOf("a", 1));
  });

  it("answers an update of a removed record with CONFLICT", async () => {
    const { store } = setup();
    expect(await codeOf(store.updateLease(leaseOf("a", 1), 12))).toBe(ErrorCode.Conflict);
  });
});

describe("translateStoreError", () => {
  it.each([
    [dockerError(500, "rpc error: code = Unknown desc = update out of sequence"), ErrorCode.Conflict],
    [dockerError(409, "rpc error: code = AlreadyExists desc = config x already exists"), ErrorCode.Conflict],
    [dockerError(404, "config x not found"), ErrorCode.NotFound],
    [dockerError(400, "rpc error: code = InvalidArgument desc = only updates to Labels are allowed"), ErrorCode.InvalidArgument],
    [dockerError(500, "rpc error: code = Unknown desc = raft: no elected cluster leader"), ErrorCode.Unavailable],
    [dockerError(503, "This node is not a swarm manager."), ErrorCode.Unavailable],
    [Object.assign(new Error("connect ENOENT /run/docker.sock"), { code: "ENOENT" }), ErrorCode.Unavailable],
    [Object.assign(new Error("The operation was aborted"), { name: "AbortError", code: "ABORT_ERR" }), ErrorCode.Unavailable],
  ])("%s → %s", (err, code) => {
    expect(translateStoreError(err, "op").code).toBe(code);
  });

  it("bounds every call: a hung Engine is UNAVAILABLE after callTimeoutMs", async () => {
    const docker = new FakeDockerStoreApi();
    const hung = withCalls(docker, {
      listConfigs: (options) => new Promise((_, reject) => options.abortSignal?.addEventListener("abort", () => reject(Object.assign(new Error("The operation was aborted"), { name: "AbortError" })))),
    });
    const err = await new DockerSwarmStore({ docker: hung, callTimeoutMs: 20 }).listVolumes().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.Unavailable, details: { timedOut: true } });
  });
});

describe("volumes", () => {
  it("names the config from a hash of the volume name", () => {
    const long = "v".repeat(128);
    expect(volumeConfigName(long)).toMatch(/^swarmvol-vol-[0-9a-f]{32}$/);
    expect(volumeConfigName("data")).not.toBe(volumeConfigName("datb"));
    expect(volumeToConfig(volumeOf(long, "u")).Labels).toEqual({ "swarmvol.kind": "volume", "swarmvol.volume": long, "swarmvol.uid": "u", "swarmvol.formatted": "false" });
  });

  it("keeps a resize in one compact label, and reads a hand-edited one that does not parse as none", () => {
    const resize = { wantedBytes: 3 * 2 ** 30, requestedAt: "2026-12-02T10:00:00.000Z", grownForBytes: 2 ** 30 };
    expect(volumeToConfig({ ...volumeOf("pg", "u"), resize }).Labels["swarmvol.resize"]).toBe('{"w":3221225472,"at":"2026-12-02T10:00:00.000Z","g":1073741824}');
    expect(resizeFromLabel('{"w":3221225472,"at":"2026-12-02T10:00:00.000Z"}')).toEqual({ wantedBytes: 3 * 2 ** 30, requestedAt: "2026-12-02T10:00:00.000Z" });
    for (const bad of ["{", '{"w":-1,"at":"x"}', '{"w":1.5,"at":"x"}', '{"w":5}', '{"w":5,"at":"x","g":"big"}', "[]"]) expect(resizeFromLabel(bad)).toBeUndefined();
  });

  it("skips, with a warning, volume configs whose data does not parse", async () => {
    const { docker, store, warnings } = setup();
    await store.putVolume(volumeOf("good", "u1"));
    docker.putRawConfig({ Name: "swarmvol-vol-bad", Labels: { "swarmvol.kind": "volume" }, Data: Buffer.from("{not json").toString("base64") });
    docker.putRawConfig({ ...volumeToConfig(volumeOf("moved", "u2")), Name: volumeConfigName("elsewhere") });
    docker.putRawConfig({ Name: "unrelated", Labels: {}, Data: "" });
    expect((await store.listVolumes()).map((volume) => volume.spec.name)).toEqual(["good"]);
    expect(warnings.map(([obj]) => obj)).toEqual([
      { config: "swarmvol-vol-bad", reason: "Data is not base64 JSON" },
      { config: volumeConfigName("elsewhere"), reason: `config name ${volumeConfigName("elsewhere")} is not the hash of volume moved` },
    ]);
    expect(docker.calls[docker.calls.length - 1]).toBe('listConfigs {"label":["swarmvol.kind=volume"]}');
  });

  it("writes nothing when the stored volume already matches", async () => {
    const { docker, store } = setup();
    await store.putVolume(volumeOf("data", "u1"));
    docker.calls.length = 0;
    await store.putVolume(volumeOf("data", "u1"));
    expect(docker.calls).toEqual([`inspectConfig ${volumeConfigName("data")}`]);
  });

  it("re-reads after a create that lost the race and applies the uid rule to the winner", async () => {
    const { docker, store } = setup();
    const racing = withCalls(docker, {
      createConfig: async (options) => {
        docker.putRawConfig(volumeToConfig(volumeOf("data", "winner")));
        return docker.createConfig(options);
      },
    });
    const err = await new DockerSwarmStore({ docker: racing }).putVolume(volumeOf("data", "loser")).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.AlreadyExists });
    await new DockerSwarmStore({ docker: racing }).putVolume(volumeOf("data", "winner", true));
    expect((await store.listVolumes())[0]).toEqual(volumeOf("data", "winner", true));
  });

  it("retries a formatted update that lost the race, then gives up with CONFLICT", async () => {
    const { docker, store } = setup();
    await store.putVolume(volumeOf("data", "u1"));
    let races = 2;
    docker.beforeUpdate = (kind, id) => {
      if (races-- > 0) docker.configs.get(id)!.version += 1;
    };
    await store.putVolume(volumeOf("data", "u1", true));
    expect((await store.listVolumes())[0]?.formatted).toBe(true);
    races = 99;
    expect(await codeOf(store.putVolume(volumeOf("data", "u1", false)))).toBe(ErrorCode.Conflict);
    expect(docker.calls.filter((call) => call.startsWith("updateConfig"))).toHaveLength(3 + 5);
  });

  it("does not take over a config that holds something unreadable", async () => {
    const { docker, store } = setup();
    docker.putRawConfig({ Name: volumeConfigName("data"), Labels: {}, Data: "" });
    expect(await codeOf(store.putVolume(volumeOf("data", "u1")))).toBe(ErrorCode.AlreadyExists);
  });
});

describe("node labels", () => {
  it("merges, deletes with undefined, and reports no change", () => {
    expect(mergeLabels({ a: "1", b: "2" }, { b: undefined, c: "3" })).toEqual({ a: "1", c: "3" });
    expect(mergeLabels({ a: "1" }, { a: "1", z: undefined, constructor: undefined })).toBeUndefined();
  });

  it("sends the whole spec with the version it read, and skips a write that changes nothing", async () => {
    const { docker, store } = setup();
    await store.setNodeLabels("node-1", { "swarmvol.zone": "z1" });
    expect(docker.nodes.get("node-1")?.spec).toEqual({ Labels: { keep: "me", "swarmvol.zone": "z1" }, Role: "manager", Availability: "active" });
    docker.calls.length = 0;
    await store.setNodeLabels("node-1", { "swarmvol.zone": "z1", other: undefined });
    expect(docker.calls).toEqual(["inspectNode node-1"]);
  });

  it("re-reads and retries when Swarm changed the node in between, keeping that change", async () => {
    const { docker, store } = setup();
    let races = 2;
    docker.beforeUpdate = (_kind, id) => {
      if (races-- > 0) docker.touchNode(id, { [`swarm-${races}`]: "x" });
    };
    await store.setNodeLabels("node-1", { "swarmvol.fenced": "now" });
    expect(docker.nodes.get("node-1")?.spec.Labels).toEqual({ keep: "me", "swarm-1": "x", "swarm-0": "x", "swarmvol.fenced": "now" });
    races = 99;
    expect(await codeOf(store.setNodeLabels("node-1", { "swarmvol.fenced": undefined }))).toBe(ErrorCode.Conflict);
  });

  it("passes other failures through untouched by the retry", async () => {
    const docker = new FakeDockerStoreApi();
    const down = withCalls(docker, { getNode: () => ({ inspect: async () => Promise.reject(unavailable("down")), update: async () => "" }) });
    expect(await codeOf(new DockerSwarmStore({ docker: down }).setNodeLabels("n", { a: "1" }))).toBe(ErrorCode.Unavailable);
  });
});
