/**
 * DockerSwarm against a real one-node swarm (Debian docker.io, its own dockerd). The
 * service's task stays pending because no node has the swarmvol plugin (the stacks', because
 * no node has the swarmvol.zone label); /tasks still lists it with desired state running,
 * which is all the controller needs to see. Every docs/stacks/*.yml is deployed
 * (test/support/stackCases.ts says what each needs and what the controller must read).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SwarmEvent, SwarmTask } from "../../core/swarm.js";
import { mountIsOurs } from "../../core/wants.js";
import { shouldSkip } from "../../test/support/requirements.js";
import { docker, startSingleNodeSwarm, type SingleNodeSwarm, type Started } from "../../test/support/singleHost.js";
import { stackCases, type ExpectedService } from "../../test/support/stackCases.js";
import { defaultDesiredStates } from "../informer/swarmInformer.js";
import { parseServiceInfo } from "./dockerServices.js";
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
  let dockerApi: Docker;
  const ok = async (args: string[], env?: Readonly<Record<string, string>>) => {
    const result = await docker(engine.host, args, env);
    expect(result.code, `docker ${args.join(" ")}: ${result.stderr}`).toBe(0);
    return result.stdout.trim();
  };

  beforeAll(async () => {
    cluster = await startSingleNodeSwarm("swarmvol-swarm-it-", 20_000 + (process.pid % 20_000));
    engine = cluster.engine;
    dockerApi = new Docker({ socketPath: cluster.socketPath });
    swarm = new DockerSwarm({ docker: dockerApi });
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

  it.each(stackCases)("deploys docs/stacks/$file: each service's mounts parse as swarmvol's, with their placement", async (stackCase) => {
    const dir = await mkdtemp(join(tmpdir(), "swarmvol-stack-"));
    try {
      const composeFile = await stackCase.prepare(dir, ok);
      // --resolve-image never: no registry is asked (CI may reach one; the test must not
      // depend on it), and the image is not what is tested: no task of these stacks runs here
      // (no node has the swarmvol.zone label; controllers.yml's image is set to one that
      // cannot be pulled), only their specs and mounts matter.
      await ok(["stack", "deploy", "--resolve-image", "never", "-c", composeFile, stackCase.stack], stackCase.env);
      const services = Object.keys(stackCase.services).map((name) => `${stackCase.stack}_${name}`);
      expect((await ok(["stack", "services", "--format", "{{.Name}}", stackCase.stack])).split("\n").sort()).toEqual(services.sort());
      for (const [name, expected] of Object.entries(stackCase.services)) await checkService(`${stackCase.stack}_${name}`, expected, stackCase.catalog);
      // A network of the stack may still be held by a removed service's task for a moment: retry.
      await until(`docker stack rm ${stackCase.stack}`, async () => ((await docker(engine.host, ["stack", "rm", stackCase.stack])).code === 0 ? true : undefined));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  /** The service as the controller reads it: its tasks' mounts (parse.ts, core/wants.ts) and its placement (dockerServices.ts). */
  async function checkService(service: string, expected: ExpectedService, catalog: ReadonlySet<string>): Promise<void> {
    const task = await until<SwarmTask>(`a task of ${service}`, async () => (await swarm.listTasks(defaultDesiredStates)).find((t) => t.serviceName === service));
    expect(task.volumes, service).toEqual(expected.mounts);
    // Driver mounts are ours whatever the catalog holds; driverless ones because it holds their names (and only then).
    for (const mount of task.volumes) {
      expect(mountIsOurs(mount, mount.source, catalog.has(mount.source)), `${service}: ${mount.source}`).toBe(true);
      expect(mountIsOurs(mount, mount.source, false), `${service}: ${mount.source} without the catalog`).toBe(mount.driver === "swarmvol");
    }
    const { placement, spec } = parseServiceInfo(await dockerApi.getService(service).inspect(), service);
    expect(placement.constraints, service).toEqual(expected.constraints);
    expected.spec?.(spec);
  }
});
