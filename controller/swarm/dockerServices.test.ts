import { describe, expect, it } from "vitest";
import { dockerError } from "../../test/fakes/fakeDockerStoreApi.js";
import { DockerServices, withConstraints, type DockerServicesApi } from "./dockerServices.js";

/** A manager's /services in memory: inspect answers the Engine's shape, update checks ?version= like Swarm. */
function engine(spec: Record<string, unknown>) {
  const state = { version: 20, spec, writes: [] as Array<{ version: number; body: Record<string, unknown> }>, raceOnce: false };
  const api: DockerServicesApi = {
    getService: (id) => ({
      inspect: async () => (id === "s1" ? structuredClone({ ID: "s1", Version: { Index: state.version }, Spec: state.spec }) : Promise.reject(dockerError(404, `service ${id} not found`))),
      update: async ({ _query, _body }) => {
        if (state.raceOnce) {
          state.raceOnce = false;
          state.version += 1;
        }
        if (_query.version !== state.version) throw dockerError(500, "rpc error: code = Unknown desc = update out of sequence");
        state.writes.push({ version: _query.version, body: _body });
        state.spec = _body;
        state.version += 1;
        return {};
      },
    }),
  };
  return { api, state };
}

const spec = { Name: "web", Labels: { team: "a" }, TaskTemplate: { ContainerSpec: { Image: "nginx" }, Placement: { Constraints: ["node.hostname==node1"], Preferences: [] } }, Mode: { Replicated: { Replicas: 1 } } };

describe("DockerServices: a service's constraints by compare-and-swap", () => {
  it("reads the placement, writes the whole spec back with only the constraints changed and the version read", async () => {
    const { api, state } = engine(structuredClone(spec));
    const services = new DockerServices(api);
    expect(await services.placement("s1")).toEqual({ id: "s1", name: "web", version: 20, constraints: ["node.hostname==node1"] });
    const after = await services.updateConstraints("s1", () => ["node.hostname==node2"]);
    expect(after.constraints).toEqual(["node.hostname==node2"]);
    expect(state.writes).toEqual([{ version: 20, body: withConstraints(spec, ["node.hostname==node2"]) }]);
    expect(state.writes[0]?.body).toMatchObject({ Labels: { team: "a" }, Mode: { Replicated: { Replicas: 1 } }, TaskTemplate: { ContainerSpec: { Image: "nginx" }, Placement: { Preferences: [] } } });
  });

  it("a lost race (update out of sequence) reads again and decides on what Swarm holds; no write when nothing changes", async () => {
    const { api, state } = engine(structuredClone(spec));
    state.raceOnce = true;
    const seen: number[] = [];
    await new DockerServices(api).updateConstraints("s1", (current) => (seen.push(current.version), ["node.hostname==node2"]));
    expect(seen).toEqual([20, 21]);
    expect(state.writes.map((write) => write.version)).toEqual([21]);
    expect(await new DockerServices(api).updateConstraints("s1", () => undefined)).toMatchObject({ constraints: ["node.hostname==node2"] });
    expect(state.writes).toHaveLength(1);
  });

  it("a service that is gone is NOT_FOUND", async () => {
    await expect(new DockerServices(engine(spec).api).placement("s9")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
