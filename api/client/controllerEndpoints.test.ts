import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "../../core/ports.js";
import { SteppedClock } from "../../test/fakes/steppedClock.js";
import { ControllerEndpoints, managerUrls, type EngineSwarmInfo } from "./controllerEndpoints.js";

function recordingLogger(lines: Array<{ level: string; msg: string; obj: object }>): Logger {
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, msg, obj });
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: () => logger };
  return logger;
}

const swarm = (...addrs: string[]): EngineSwarmInfo => ({ Swarm: { RemoteManagers: addrs.map((Addr, i) => ({ NodeID: `m${i}`, Addr })) } });

function setup(fixed: string[] = []) {
  const clock = new SteppedClock();
  const logs: Array<{ level: string; msg: string; obj: object }> = [];
  const engine = { info: swarm("10.0.0.6:2377", "10.0.0.5:2377") as EngineSwarmInfo | Error, reads: 0 };
  const endpoints = new ControllerEndpoints({
    fixed, port: 7750, clock, logger: recordingLogger(logs),
    engineInfo: async () => {
      engine.reads += 1;
      if (engine.info instanceof Error) throw engine.info;
      return engine.info;
    },
  });
  return { clock, logs, engine, endpoints };
}

let t: ReturnType<typeof setup>;
afterEach(async () => t?.endpoints.stop());

describe("managerUrls", () => {
  it("puts the controller port on each manager's address, sorted and without repeats", () => {
    expect(managerUrls(swarm("10.0.0.6:2377", "10.0.0.5:2377", "10.0.0.5:2377"), 7750)).toEqual(["http://10.0.0.5:7750", "http://10.0.0.6:7750"]);
    expect(managerUrls(swarm("[fd00::5]:2377", "node-3"), 80)).toEqual(["http://[fd00::5]:80", "http://node-3:80"]);
    expect(managerUrls({ Swarm: { RemoteManagers: null } }, 7750)).toEqual([]);
    expect(managerUrls({}, 7750)).toEqual([]);
    expect(managerUrls(swarm("", "bad host:1"), 7750)).toEqual([]);
  });
});

describe("ControllerEndpoints", () => {
  it("reads the engine at start and every 30 s, logging when the list changes", async () => {
    t = setup();
    expect(t.endpoints.list()).toEqual([]);
    t.endpoints.start();
    await t.clock.settle();
    expect(t.endpoints.list()).toEqual(["http://10.0.0.5:7750", "http://10.0.0.6:7750"]);
    t.engine.info = swarm("10.0.0.5:2377", "10.0.0.7:2377");
    await t.clock.advance(29_999);
    expect(t.engine.reads).toBe(1);
    await t.clock.advance(1);
    expect(t.endpoints.list()).toEqual(["http://10.0.0.5:7750", "http://10.0.0.7:7750"]);
    await t.clock.advance(30_000);
    expect(t.engine.reads).toBe(3);
    expect(t.logs.filter((line) => line.level === "info")).toEqual([
      { level: "info", msg: "controller endpoints changed", obj: { endpoints: ["http://10.0.0.5:7750", "http://10.0.0.6:7750"], previous: [] } },
      { level: "info", msg: "controller endpoints changed", obj: { endpoints: ["http://10.0.0.5:7750", "http://10.0.0.7:7750"], previous: ["http://10.0.0.5:7750", "http://10.0.0.6:7750"] } },
    ]);
  });

  it("reads again when every replica failed, at most once per 2 s", async () => {
    t = setup();
    t.endpoints.start();
    await t.clock.settle();
    t.endpoints.refreshSoon();
    await t.clock.settle();
    expect(t.engine.reads).toBe(1);
    await t.clock.advance(2000);
    t.endpoints.refreshSoon();
    t.endpoints.refreshSoon();
    await t.clock.settle();
    expect(t.engine.reads).toBe(2);
  });

  it("keeps the known list when the engine fails or names no manager; warns once", async () => {
    t = setup();
    await t.endpoints.refresh();
    t.engine.info = new Error("connect ENOENT /var/run/docker.sock");
    await t.endpoints.refresh();
    t.engine.info = { Swarm: { RemoteManagers: [] } };
    await t.endpoints.refresh();
    expect(t.endpoints.list()).toEqual(["http://10.0.0.5:7750", "http://10.0.0.6:7750"]);
    expect(t.logs.filter((line) => line.level === "warn").map((line) => line.msg)).toEqual([
      "cannot learn the controller endpoints from the engine; keeping the known ones",
    ]);
  });

  it("with --controller URLs: those are the list and the engine is never asked", async () => {
    t = setup(["http://10.0.0.9:7750/", "http://10.0.0.8:7750"]);
    t.endpoints.start();
    t.endpoints.refreshSoon();
    await t.clock.advance(60_000);
    expect(t.endpoints.list()).toEqual(["http://10.0.0.9:7750", "http://10.0.0.8:7750"]);
    expect(t.engine.reads).toBe(0);
  });

  it("known() waits, reading every 2 s, until the engine names a manager", async () => {
    t = setup();
    t.engine.info = new Error("this node is not in a swarm yet");
    let known = false;
    void t.endpoints.known().then(() => (known = true));
    await t.clock.advance(4000);
    expect([known, t.engine.reads]).toEqual([false, 3]);
    t.engine.info = swarm("10.0.0.5:2377");
    await t.clock.advance(2000);
    expect([known, t.endpoints.list()]).toEqual([true, ["http://10.0.0.5:7750"]]);
    await expect(setup(["http://10.0.0.9:7750"]).endpoints.known()).resolves.toBeUndefined();
  });

  it("stop ends the loop", async () => {
    t = setup();
    t.endpoints.start();
    await t.clock.settle();
    await t.endpoints.stop();
    expect(t.clock.pending).toBe(0);
  });
});
