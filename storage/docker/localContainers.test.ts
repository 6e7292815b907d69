import { describe, expect, it } from "vitest";
import { ManualTime } from "../../test/fakes/fakeSwarm.js";
import { DockerLocalContainers, type ContainerApi } from "./localContainers.js";

function api(killError?: { statusCode: number }) {
  const killed: string[] = [];
  const docker: ContainerApi = {
    listContainers: async () => [
      { Id: "a1", Names: ["/db.1.x"], Mounts: [{ Type: "volume", Name: "db", Driver: "swarmvol" }] },
      { Id: "b2", Names: ["/web"], Mounts: [{ Type: "bind" }, { Type: "volume", Name: "other" }] },
      { Id: "c3", Names: ["/both"], Mounts: [{ Type: "volume", Name: "db" }, { Type: "volume", Name: "logs" }] },
    ],
    getContainer: (id) => ({
      kill: async () => {
        if (killError) throw killError;
        killed.push(`kill ${id}`);
      },
      wait: async () => killed.push(`stopped ${id}`),
      inspect: async () => ({}),
    }),
  };
  return { docker, killed };
}

describe("DockerLocalContainers", () => {
  it("finds running containers that mount any of the volumes", async () => {
    const { docker } = api();
    expect(await new DockerLocalContainers(docker).usingVolumes(["db", "logs"])).toEqual([
      { id: "a1", name: "db.1.x", volumes: ["db"] },
      { id: "c3", name: "both", volumes: ["db", "logs"] },
    ]);
  });

  it("resolves a kill only once the container has stopped", async () => {
    const { docker, killed } = api();
    await new DockerLocalContainers(docker).kill("a1");
    expect(killed).toEqual(["kill a1", "stopped a1"]);
  });

  it("treats a container already gone or stopped as killed", async () => {
    await expect(new DockerLocalContainers(api({ statusCode: 404 }).docker).kill("a1")).resolves.toBeUndefined();
    await expect(new DockerLocalContainers(api({ statusCode: 409 }).docker).kill("a1")).resolves.toBeUndefined();
    await expect(new DockerLocalContainers(api({ statusCode: 500 }).docker).kill("a1")).rejects.toMatchObject({ statusCode: 500 });
  });
});

describe("DockerLocalContainers.holders (the mount review's question)", () => {
  /** Containers as listed, and what inspect says of the created ones. */
  function engine(listed: Awaited<ReturnType<ContainerApi["listContainers"]>>, inspected: Record<string, { Status: string; Error?: string } | 404>) {
    const asked: unknown[] = [];
    const docker: ContainerApi = {
      listContainers: async (options) => {
        asked.push(options);
        return listed;
      },
      getContainer: (id) => ({
        kill: async () => undefined,
        wait: async () => undefined,
        inspect: async () => {
          const state = inspected[id];
          if (state === 404) throw Object.assign(new Error("gone"), { statusCode: 404 });
          return { State: state };
        },
      }),
    };
    return { docker, asked };
  }
  const db = [{ Type: "volume", Name: "db", Driver: "swarmvol" }];

  it("counts running containers and created ones still starting; not those whose start failed or that went", async () => {
    const { docker, asked } = engine([
      { Id: "run", State: "running", Mounts: db },
      { Id: "starting", State: "created", Mounts: db },
      { Id: "failed", State: "created", Mounts: db },
      { Id: "gone", State: "created", Mounts: db },
      { Id: "other", State: "running", Mounts: [{ Type: "volume", Name: "logs" }] },
    ], { starting: { Status: "created" }, failed: { Status: "created", Error: "error while mounting volume" }, gone: 404 });
    const holders = await new DockerLocalContainers(docker).holders(["db", "web"]);
    expect([...holders]).toEqual([["db", 2], ["web", 0]]);
    expect(asked).toMatchObject([{ all: true, filters: { status: ["created", "running", "paused", "restarting"] } }]);
  });

  it("a created container that started meanwhile holds it; one that exited does not", async () => {
    const { docker } = engine([{ Id: "a", State: "created", Mounts: db }, { Id: "b", State: "created", Mounts: db }], { a: { Status: "running" }, b: { Status: "exited" } });
    expect((await new DockerLocalContainers(docker).holders(["db"])).get("db")).toBe(1);
  });
});

describe("DockerLocalContainers against a dockerd that never answers", () => {
  const never = () => new Promise<never>(() => undefined);

  it("gives up on the list and on the kill at callTimeoutMs, and on the stop at stopTimeoutMs, with TIMEOUT", async () => {
    const time = new ManualTime();
    const hung: ContainerApi = { listContainers: never, getContainer: () => ({ kill: never, wait: never, inspect: never }) };
    const containers = new DockerLocalContainers(hung, { timers: time, callTimeoutMs: 2_000, stopTimeoutMs: 3_000 });
    const listing = containers.usingVolumes(["db"]).catch((err: unknown) => err);
    const killing = containers.kill("a1").catch((err: unknown) => err);
    await time.advance(2_000);
    expect(await listing).toMatchObject({ code: "TIMEOUT" });
    expect(await killing).toMatchObject({ code: "TIMEOUT" });

    const stuck: ContainerApi = { listContainers: async () => [], getContainer: () => ({ kill: async () => undefined, wait: never, inspect: never }) };
    const stopping = new DockerLocalContainers(stuck, { timers: time, callTimeoutMs: 2_000, stopTimeoutMs: 3_000 }).kill("a1").catch((err: unknown) => err);
    await time.advance(2_999);
    expect(time.pending).toBe(1);
    await time.advance(1);
    expect(await stopping).toMatchObject({ code: "TIMEOUT", message: expect.stringContaining("stop within 3000 ms") });
  });
});
