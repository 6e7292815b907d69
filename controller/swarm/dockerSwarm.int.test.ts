/**
 * DockerSwarm against a real one-node swarm (Debian docker.io, its own dockerd). The
 * service's task stays pending because no node has the swarmvol plugin (the stack's, because
 * no node has the zone label); /tasks still lists it with desired state running, which is
 * all the controller needs to see.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SwarmEvent, SwarmTask } from "../../core/swarm.js";
import { shouldSkip } from "../../test/support/requirements.js";
import { docker, startSingleNodeSwarm, type SingleNodeSwarm, type Started } from "../../test/support/singleHost.js";
import { defaultDesiredStates } from "../informer/swarmInformer.js";
import { DockerSwarm } from "./dockerSwarm.js";

const skip = shouldSkip("DockerSwarm against a real swarm", ["dockerd", "docker"]);

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.skipIf(skip)("DockerSwarm against a real single-node swarm", () => {
  let cluster: SingleNodeSwarm | undefined;
  let engine: Started & { host: string };
  let swarm: DockerSwarm;
  const ok = async (args: string[]) => {
    const result = await docker(engine.host, args);
    expect(result.code, `docker ${args.join(" ")}: ${result.stderr}`).toBe(0);
    return result.stdout.trim();
  };

  beforeAll(async () => {
    cluster = await startSingleNodeSwarm("swarmvol-swarm-it-", 20_000 + (process.pid % 20_000));
    engine = cluster.engine;
    swarm = new DockerSwarm({ docker: new Docker({ socketPath: engine.host.replace("unix://", "") }) });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it("lists the manager node as ready and active with its volume plugins", async () => {
    const nodes = await swarm.listNodes();
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({ role: "manager", state: "ready", availability: "active", address: "127.0.0.1" });
    expect(nodes[0]?.volumePlugins).toContain("local");
  });

  it("lists a pending task with its swarmvol mount, service name and no node", async () => {
    await ok(["service", "create", "--detach", "--name", "web", "--mount", "type=volume,source=v1,target=/d,volume-driver=swarmvol",
      "--mount", "type=volume,source=plain,target=/p", "busybox:latest", "sleep", "1000"]);
    const task = await until<SwarmTask>("the task of service web", async () => (await swarm.listTasks())[0]);
    expect(task).toMatchObject({ serviceName: "web", desiredState: "running", nodeId: undefined, slot: 1 });
    expect(task.volumes).toEqual([
      { source: "v1", driver: "swarmvol", target: "/d", readOnly: false, options: {} },
      { source: "plain", driver: "unnamed", target: "/p", readOnly: false, options: {} },
    ]);
    expect(await swarm.listTasks(["shutdown"])).toEqual([]);
    // The informer's filter is one the Engine accepts (20.10 answers an unknown state with a 500).
    expect((await swarm.listTasks(defaultDesiredStates)).map((t) => t.id)).toEqual([task.id]);
  });

  it("streams node and service events until aborted", async () => {
    const events: SwarmEvent[] = [];
    const abort = new AbortController();
    const watching = swarm.watchEvents((event) => events.push(event), abort.signal);
    const [node] = await swarm.listNodes();
    // The stream may open after the first change; repeat until one arrives.
    await until("a node update event", async () => {
      await ok(["node", "update", "--label-add", `tick=${events.length}-${Date.now()}`, node?.id ?? ""]);
      return events.find((event) => event.type === "node" && event.action === "update");
    });
    await ok(["service", "rm", "web"]);
    await until("a service remove event", async () => events.find((event) => event.type === "service" && event.action === "remove"));
    abort.abort();
    await watching;
    expect(events.find((event) => event.type === "node")?.id).toBe(node?.id);
  });

  it("deploys docs/stacks/postgres.yml: its external volume reaches the task as a driverless mount of that name", async () => {
    const dir = await mkdtemp(join(tmpdir(), "swarmvol-stack-"));
    try {
      await writeFile(join(dir, "pw"), "not-a-secret");
      await ok(["secret", "create", "pg_password", join(dir, "pw")]);
      // The volume itself is not needed for the deploy: stack deploy never checks an external volume.
      await ok(["stack", "deploy", "-c", new URL("../../docs/stacks/postgres.yml", import.meta.url).pathname, "pg"]);
      const task = await until<SwarmTask>("the task of pg_db", async () => (await swarm.listTasks()).find((t) => t.serviceName === "pg_db"));
      expect(task.volumes).toEqual([{ source: "pgdata", driver: "unnamed", target: "/var/lib/postgresql/data", readOnly: false, options: {} }]);
      await ok(["stack", "rm", "pg"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
