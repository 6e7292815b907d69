import { describe, expect, it } from "vitest";
import { formatSize, parseSize } from "../../core/units.js";
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
  ])("rejects %j %j", (env, argv, message) => {
    expect(() => loadDaemonConfig(env, argv)).toThrow(message);
  });

  it("parses both flag spellings", () => {
    expect([...parseFlags(["--a", "1", "--b=2"], ["--a", "--b"])]).toEqual([["--a", "1"], ["--b", "2"]]);
  });
});
