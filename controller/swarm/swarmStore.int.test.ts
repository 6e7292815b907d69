/**
 * DockerSwarmStore against a real one-node swarm (Debian docker.io, its own dockerd with
 * its own data and exec root, no iptables, no bridge). It runs the same contract as the
 * fakes, pins the Engine's answers the adapter depends on, and loses a real race on a node.
 */
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterStoreContract, volumeOf, type ContractTarget } from "../../test/fakes/clusterStoreContract.js";
import type { Logger } from "../../core/ports.js";
import { shouldSkip } from "../../test/support/requirements.js";
import { docker, startSingleNodeSwarm, type SingleNodeSwarm, type Started } from "../../test/support/singleHost.js";
import { planDrain, planRestore } from "../../core/nodeDrain.js";
import { DockerNodeAvailability } from "./nodeAvailability.js";
import { DockerSwarmStore, type DockerStoreApi } from "./swarmStore.js";
import { volumeConfigName, type ConfigSpec } from "./swarmStoreCodec.js";

const skip = shouldSkip("DockerSwarmStore against a real swarm", ["dockerd", "docker"]);

/** What docker-modem rejects with, reduced to what the adapter reads. */
const wire = (err: unknown) => ({ statusCode: (err as { statusCode?: unknown }).statusCode, message: (err as { json?: { message?: unknown } }).json?.message });

describe.skipIf(skip)("DockerSwarmStore against a real single-node swarm", () => {
  let cluster: SingleNodeSwarm | undefined;
  let engine: Started & { host: string };
  let api: Docker;
  let store: DockerSwarmStore;
  let nodeId: string;
  const ok = async (args: string[]) => {
    const result = await docker(engine.host, args);
    expect(result.code, `docker ${args.join(" ")}: ${result.stderr}`).toBe(0);
    return result.stdout.trim();
  };
  const target: ContractTarget = {
    get store() {
      return store;
    },
    get nodeId() {
      return nodeId;
    },
    labelElsewhere: async (id, key, value) => void (await ok(["node", "update", "--label-add", `${key}=${value}`, id])),
    readNodeLabels: async (id) => JSON.parse(await ok(["node", "inspect", "--format", "{{json .Spec.Labels}}", id])) as Record<string, string>,
  };

  beforeAll(async () => {
    cluster = await startSingleNodeSwarm("swarmvol-store-it-", 21_000 + (process.pid % 19_000));
    engine = cluster.engine;
    nodeId = await ok(["info", "--format", "{{.Swarm.NodeID}}"]);
    api = new Docker({ socketPath: engine.host.replace("unix://", ""), timeout: 15_000 });
    store = new DockerSwarmStore({ docker: api, callTimeoutMs: 15_000 });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  for (const c of clusterStoreContract) it(c.name, () => c.run(target));

  it("answers a stale version with 500 'update out of sequence' and a taken name with 409 (Engine 20.10)", async () => {
    const info = (await api.getConfig("swarmvol-leader").inspect()) as unknown as { Version: { Index: number }; Spec: ConfigSpec };
    const stale = { _query: { version: info.Version.Index - 1 }, _body: info.Spec };
    expect(wire(await api.getConfig("swarmvol-leader").update(stale).catch((e: unknown) => e)))
      .toEqual({ statusCode: 500, message: "rpc error: code = Unknown desc = update out of sequence" });
    expect(wire(await api.createConfig({ _query: {}, _body: info.Spec }).catch((e: unknown) => e)))
      .toEqual({ statusCode: 409, message: "rpc error: code = AlreadyExists desc = config swarmvol-leader already exists" });
    const node = (await api.getNode(nodeId).inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
    expect(wire(await api.getNode(nodeId).update({ _query: { version: node.Version.Index - 1 }, _body: node.Spec }).catch((e: unknown) => e)))
      .toEqual({ statusCode: 500, message: "rpc error: code = Unknown desc = update out of sequence" });
    expect(wire(await api.getConfig("swarmvol-leader").update({ ...stale, _query: { version: info.Version.Index }, _body: { ...info.Spec, Data: "eA==" } }).catch((e: unknown) => e)))
      .toEqual({ statusCode: 400, message: "rpc error: code = InvalidArgument desc = only updates to Labels are allowed" });
  });

  it("keeps a volume as a hashed-name config with the name in a label", async () => {
    const name = `w${"y".repeat(127)}`;
    await store.putVolume(volumeOf(name, "uid-9", true));
    const labels = JSON.parse(await ok(["config", "inspect", "--format", "{{json .Spec.Labels}}", volumeConfigName(name)])) as Record<string, string>;
    expect(labels).toEqual({ "swarmvol.kind": "volume", "swarmvol.volume": name, "swarmvol.uid": "uid-9", "swarmvol.formatted": "true" });
    await ok(["config", "create", "--label", "swarmvol.kind=volume", "swarmvol-vol-by-hand", "/etc/hostname"]);
    // The label filter is the Engine's: the lease config never reaches the parser, the hand-made one does and is skipped.
    const skipped: unknown[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (obj) => skipped.push(obj), error() {}, child: () => logger };
    const names = (await new DockerSwarmStore({ docker: api, logger }).listVolumes()).map((volume) => volume.spec.name);
    expect(names).toContain(name);
    expect(names).not.toContain("swarmvol-vol-by-hand");
    expect(skipped).toEqual([{ config: "swarmvol-vol-by-hand", reason: "Data is not base64 JSON" }]);
  });

  it("retries a node label write that loses a real race with `docker node update`", async () => {
    let raced = false;
    const racing: DockerStoreApi = {
      listConfigs: (options) => api.listConfigs(options),
      createConfig: (options) => api.createConfig(options),
      getConfig: (id) => api.getConfig(id),
      getNode: (id) => ({
        inspect: (options) => api.getNode(id).inspect(options),
        update: async (options) => {
          if (!raced) {
            raced = true;
            await ok(["node", "update", "--label-add", "raced=yes", id]);
          }
          return api.getNode(id).update(options);
        },
      }),
    };
    await new DockerSwarmStore({ docker: racing }).setNodeLabels(nodeId, { "swarmvol.instance-id": "i-2" });
    expect(raced).toBe(true);
    expect(await target.readNodeLabels(nodeId)).toMatchObject({ raced: "yes", "swarmvol.instance-id": "i-2", "ops.team": "storage" });
  });

  it("DockerNodeAvailability drains the real node with swarmvol's labels and restores it; an operator's pause between its read and write wins", async () => {
    const availability = new DockerNodeAvailability({ docker: api, callTimeoutMs: 15_000 });
    const state = async () => ok(["node", "inspect", "--format", "{{.Spec.Availability}} {{index .Spec.Labels \"swarmvol.drained-by\"}}", nodeId]);
    // A lone manager: the drain is told another manager stays active, as the leader would count it.
    await expect(availability.change(nodeId, (node) => planDrain(node, "it/term-1", 1))).resolves.toMatchObject({ kind: "write" });
    expect(await state()).toBe("drain it/term-1");
    await availability.change(nodeId, planRestore);
    expect(await state()).toBe("active");
    let raced = false;
    const racing = new DockerNodeAvailability({
      docker: { getNode: (id) => ({
        inspect: (options) => api.getNode(id).inspect(options),
        update: async (options) => {
          if (!raced) {
            raced = true;
            await ok(["node", "update", "--availability", "pause", id]);
          }
          return api.getNode(id).update(options);
        },
      }) },
    });
    await expect(racing.change(nodeId, (node) => planDrain(node, "it/term-1", 1))).resolves.toEqual({ kind: "skip", reason: "operator-availability" });
    expect(await state()).toBe("pause");
    await ok(["node", "update", "--availability", "active", nodeId]);
  });
});
