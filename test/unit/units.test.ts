import { describe, expect, it } from "vitest";
import { formatSize, parseDuration, parseSize } from "../../core/units.js";
import { loadDaemonConfig, parseFlags } from "../../core/config.js";

describe("parseSize", () => {
  it.each([
    ["20", 20 * 1024 ** 3],
    ["512MiB", 512 * 1024 ** 2],
    ["512m", 512 * 1024 ** 2],
    ["1.5GiB", 1.5 * 1024 ** 3],
    ["2TB", 2 * 1024 ** 4],
    [" 64 k ", 64 * 1024],
  ])("reads %j", (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it.each(["", "ten", "-1", "1e3", "5 parsecs"])("rejects %j with the fix", (text) => {
    expect(() => parseSize(text)).toThrow(/size/);
  });

  it("refuses a hostile value at once, naming neither all of it nor blocking the event loop (once 27 s for 200 KB)", () => {
    const hostile = `1${" ".repeat(300_000)}!`;
    expect(() => parseSize(hostile)).toThrow(/300002 characters/);
    expect(() => parseSize(`1${" ".repeat(40)}!`)).toThrow(/invalid size/);
  });

  it("formats exact binary units", () => {
    expect(formatSize(1024 ** 3)).toBe("1GiB");
    expect(formatSize(300 * 1024 ** 2)).toBe("300MiB");
    expect(formatSize(1000)).toBe("1000B");
  });
});

describe("daemon configuration", () => {
  it("uses the documented defaults with an empty environment", () => {
    expect(loadDaemonConfig({}, [])).toEqual({
      pluginSocket: "/run/docker/plugins/swarmvol.sock",
      stateDir: "/var/lib/swarmvol",
      backend: "local",
      logLevel: "info",
      apiListen: "127.0.0.1:7750",
      dockerHost: undefined,
      fenceMode: "self",
    });
  });

  it("lets flags override the environment", () => {
    const config = loadDaemonConfig({ SWARMVOL_STATE_DIR: "/env", SWARMVOL_LOG_LEVEL: "debug" }, ["--state-dir=/flag"]);
    expect(config.stateDir).toBe("/flag");
    expect(config.logLevel).toBe("debug");
  });

  it.each([
    [{ SWARMVOL_LOG_LEVEL: "loud" }, [], /invalid log level "loud".*use one of/],
    [{ SWARMVOL_BACKEND: "ceph" }, [], /invalid backend "ceph"/],
    [{}, ["--state-dir", "relative"], /absolute path/],
    [{}, ["--api-listen", "nowhere"], /write host:port/],
    [{}, ["--colour", "red"], /unknown argument "--colour"; valid flags:/],
    [{}, ["--state-dir"], /needs a value/],
    [{ SWARMVOL_FENCE_MODE: "power" }, [], /--fence-mode=power .* belongs to `swarmvol controller`/],
    [{}, ["--fence-mode", "stonith"], /invalid fence mode "stonith".*use one of self, power/],
  ])("rejects %j %j", (env, argv, message) => {
    expect(() => loadDaemonConfig(env, argv)).toThrow(message);
  });

  it("parses both flag spellings", () => {
    expect([...parseFlags(["--a", "1", "--b=2"], ["--a", "--b"])]).toEqual([["--a", "1"], ["--b", "2"]]);
  });

  it("names every valid flag while they fit in a message, else those like the unknown one and how many more", () => {
    const many = [...Array.from({ length: 40 }, (_, n) => `--setting-number-${n}`), "--efs-pool", "--efs-endpoint"];
    expect(() => parseFlags(["--efs-pol", "x"], many)).toThrow(/^unknown argument "--efs-pol"; valid flags: --efs-pool, --efs-endpoint \(and 40 more; --help lists every flag\)$/);
    expect(() => parseFlags(["--colour=red"], many)).toThrow(/^unknown argument "--colour=red"; valid flags: 42 of them; --help lists every flag$/);
    expect(() => parseFlags(["--colour"], ["--a", "--b"])).toThrow(/^unknown argument "--colour"; valid flags: --a, --b$/);
  });
});

describe("cluster daemon configuration", () => {
  it("rejects a bad log level for the agent and the controller as for all-in-one", async () => {
    const { loadAgentConfig, loadControllerConfig } = await import("../../core/clusterConfig.js");
    expect(() => loadControllerConfig({ SWARMVOL_TOKEN: "t", SWARMVOL_LOG_LEVEL: "loud" }, [])).toThrow(/invalid log level "loud"/);
    expect(() => loadAgentConfig({ SWARMVOL_TOKEN: "t", SWARMVOL_CONTROLLER: "http://10.0.0.5:7750", SWARMVOL_LOG_LEVEL: "loud" }, [])).toThrow(/invalid log level/);
  });

  it("requires the token from the environment, naming the variables, and refuses it in argv", async () => {
    const { loadControllerConfig } = await import("../../core/clusterConfig.js");
    expect(() => loadControllerConfig({}, [])).toThrow(/missing API secret: set SWARMVOL_TOKEN_FILE .*\(or SWARMVOL_TOKEN\)/);
    expect(() => loadControllerConfig({}, ["--token", "s3cret"])).toThrow(/no --token flag: argv is visible/);
  });

  it("fences with the agents' own self-fence unless told power, from the flag or SWARMVOL_FENCE_MODE", async () => {
    const { loadControllerConfig } = await import("../../core/clusterConfig.js");
    const env = { SWARMVOL_TOKEN: "t" };
    expect(loadControllerConfig(env, [])).toMatchObject({ fenceMode: "self", powerFenceTimeoutMs: 120_000 });
    expect(loadControllerConfig(env, ["--fence-mode=power"]).fenceMode).toBe("power");
    expect(loadControllerConfig({ ...env, SWARMVOL_FENCE_MODE: "power", SWARMVOL_POWER_FENCE_TIMEOUT_MS: "30000" }, [])).toMatchObject({ fenceMode: "power", powerFenceTimeoutMs: 30_000 });
    expect(() => loadControllerConfig(env, ["--fence-mode", "stonith"])).toThrow(/invalid fence mode "stonith"/);
  });

  it("takes instance id and zone together or not at all", async () => {
    const { loadAgentConfig } = await import("../../core/clusterConfig.js");
    const env = { SWARMVOL_TOKEN: "t", SWARMVOL_CONTROLLER: "http://10.0.0.5:7750" };
    expect(loadAgentConfig(env, []).instanceId).toBeUndefined();
    expect(() => loadAgentConfig(env, ["--zone", "us-east-1a"])).toThrow(/both --instance-id and --zone, or neither/);
  });
});

describe("parseDuration", () => {
  it("reads a whole number with ms, s, m, h or d, and nothing else", () => {
    expect([parseDuration("90s"), parseDuration("10m"), parseDuration("2h"), parseDuration("1d"), parseDuration("250ms")]).toEqual([90_000, 600_000, 7_200_000, 86_400_000, 250]);
    expect([parseDuration("7-42"), parseDuration("1.5h"), parseDuration("m"), parseDuration("")]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
