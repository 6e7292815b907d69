import { describe, expect, it } from "vitest";
import type { Logger } from "../../core/ports.js";
import { holdOf } from "../../test/fakes/clusterStoreContract.js";
import { FakeDockerStoreApi } from "../../test/fakes/fakeDockerStoreApi.js";
import { moveConfigName, moveHoldFromConfig, moveHoldToConfig, moveLabels } from "./moveHoldCodec.js";
import { DockerSwarmStore } from "./swarmStore.js";
import { parseConfigInfo, type ConfigSpec } from "./swarmStoreCodec.js";

const info = (spec: ConfigSpec) => ({ id: "cfg1", version: 1, spec });
const data = (document: unknown) => Buffer.from(JSON.stringify(document), "utf8").toString("base64");
const lapsed = { reason: "lapsed" as const, at: Date.UTC(2026, 11, 2, 0, 10, 0), message: "the move's hold on node2 lapsed at its bound" };

describe("a move hold as a Swarm config", () => {
  it("round-trips, times as ISO in Data and labels, the end only in labels", () => {
    const spec = moveHoldToConfig(holdOf("db", "m1", lapsed));
    expect(spec.Name).toBe(moveConfigName("db"));
    expect(spec.Name.length).toBeLessThanOrEqual(64);
    expect(spec.Labels).toMatchObject({ "swarmvol.kind": "move", "swarmvol.volume": "db", [moveLabels.id]: "m1", [moveLabels.endedAt]: "2026-12-02T00:10:00.000Z" });
    const document = JSON.parse(Buffer.from(spec.Data, "base64").toString("utf8"));
    expect([document.until, document.ended]).toEqual(["2026-12-02T00:10:00.000Z", undefined]);
    expect(moveHoldFromConfig(info(spec))).toEqual(holdOf("db", "m1", lapsed));
  });

  it.each<[string, (spec: ConfigSpec) => ConfigSpec, RegExp]>([
    ["Data that is not JSON", (spec) => ({ ...spec, Data: Buffer.from("{no").toString("base64") }), /not base64 JSON/],
    ["another document version", (spec) => ({ ...spec, Data: data({ version: 2 }) }), /not a version 1 move document/],
    ["an until that is no time", (spec) => ({ ...spec, Data: data({ ...JSON.parse(Buffer.from(spec.Data, "base64").toString()), until: "soon" }) }), /no valid requestedAt or until/],
    ["a name that is not the volume's hash", (spec) => ({ ...spec, Name: moveConfigName("other") }), /is not the hash of volume db/],
    ["a move id label edited by hand", (spec) => ({ ...spec, Labels: { ...spec.Labels, [moveLabels.id]: "m2" } }), /not the document's move m1/],
  ])("refuses %s, saying why", (_what, edit, why) => {
    expect(moveHoldFromConfig(info(edit(moveHoldToConfig(holdOf("db", "m1")))))).toMatch(why);
  });

  it("reads an end whose labels do not parse as no end (the next leader decides it again)", () => {
    const spec = moveHoldToConfig(holdOf("db", "m1", lapsed));
    expect(moveHoldFromConfig(info({ ...spec, Labels: { ...spec.Labels, [moveLabels.endedReason]: "bored" } }))).toEqual(holdOf("db", "m1"));
  });

  it("the store lists the readable holds and warns of the others", async () => {
    const docker = new FakeDockerStoreApi();
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (_obj, msg) => warnings.push(msg), error() {}, child: () => logger };
    const store = new DockerSwarmStore({ docker, logger });
    await store.putMoveHold(holdOf("db", "m1"));
    docker.putRawConfig({ Name: moveConfigName("bad"), Labels: { "swarmvol.kind": "move" }, Data: "" });
    expect(await store.listMoveHolds()).toEqual([holdOf("db", "m1")]);
    expect(warnings).toEqual(["skipping a swarmvol move config that does not parse"]);
    // A new move replaces an unreadable config rather than failing on it.
    await store.putMoveHold(holdOf("bad", "m2"));
    expect((await store.listMoveHolds()).map((hold) => hold.id).sort()).toEqual(["m1", "m2"]);
    expect(parseConfigInfo({ ID: "x", Version: { Index: 1 }, Spec: moveHoldToConfig(holdOf("db", "m1")) })?.spec.Labels[moveLabels.id]).toBe("m1");
  });
});
