import { describe, expect, it } from "vitest";
import { applyNice } from "../../cli/runtime.js";
import { loadAgentConfig, loadControllerConfig } from "../../core/clusterConfig.js";
import type { Logger } from "../../core/ports.js";

function recordingLogger(lines: Array<{ level: string; msg: string }>): Logger {
  const at = (level: string) => (_fields: object, msg: string) => void lines.push({ level, msg });
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: () => logger };
  return logger;
}

const env = { SWARMVOL_TOKEN: "t" };

describe("agent configuration: controller endpoints", () => {
  it("without --controller, discovers the managers on port 7750", () => {
    expect(loadAgentConfig(env, [])).toMatchObject({ controllers: [], controllerPort: 7750 });
    expect(loadAgentConfig({ ...env, SWARMVOL_CONTROLLER_PORT: "8000" }, []).controllerPort).toBe(8000);
    expect(loadAgentConfig(env, ["--controller-port", "9000"]).controllerPort).toBe(9000);
  });

  it("takes one or several comma-separated base URLs, each checked", () => {
    expect(loadAgentConfig({ ...env, SWARMVOL_CONTROLLER: "http://10.0.0.5:7750" }, []).controllers).toEqual(["http://10.0.0.5:7750"]);
    expect(loadAgentConfig(env, ["--controller", "http://10.0.0.5:7750, https://10.0.0.6:7750,"]).controllers).toEqual([
      "http://10.0.0.5:7750", "https://10.0.0.6:7750",
    ]);
    expect(() => loadAgentConfig(env, ["--controller", "http://10.0.0.5:7750,10.0.0.6:7750"])).toThrow(/--controller must be base URLs .* got "10\.0\.0\.6:7750"/);
    expect(() => loadAgentConfig(env, ["--controller", "http://10.0.0.5:7750/v1"])).toThrow(/--controller must be base URLs/);
  });

  it("checks the port", () => {
    for (const port of ["0", "65536", "77a", "1.5"]) {
      expect(() => loadAgentConfig(env, ["--controller-port", port])).toThrow(/--controller-port must be a TCP port from 1 to 65535/);
    }
  });
});

describe("daemon scheduling priority (--nice)", () => {
  it("asks for -10 by default, takes -20..19 from the flag or SWARMVOL_NICE, and refuses the rest", () => {
    expect(loadAgentConfig(env, []).nice).toBe(-10);
    expect(loadControllerConfig(env, []).nice).toBe(-10);
    expect(loadAgentConfig({ ...env, SWARMVOL_NICE: "0" }, []).nice).toBe(0);
    expect(loadControllerConfig(env, ["--nice", "-20"]).nice).toBe(-20);
    for (const bad of ["-21", "20", "1.5", "high", ""]) {
      expect(() => loadAgentConfig(env, ["--nice", bad])).toThrow(/--nice must be a whole number from -20 \(most CPU\) to 19/);
    }
  });

  it("sets it once, and only warns when the system refuses (not root)", () => {
    const lines: Array<{ level: string; msg: string }> = [];
    const logger = recordingLogger(lines);
    const calls: number[] = [];
    applyNice(-10, logger, { getPriority: () => 0, setPriority: (_pid: number, value?: number) => void calls.push(value ?? 0) } as never);
    applyNice(-10, logger, { getPriority: () => -10, setPriority: () => { throw new Error("not called"); } } as never);
    applyNice(-10, logger, { getPriority: () => 0, setPriority: () => { throw Object.assign(new Error("EACCES"), { code: "EACCES" }); } } as never);
    expect(calls).toEqual([-10]);
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ["info", "scheduling priority set"],
      ["warn", "could not set the scheduling priority; leases may lapse on a CPU-starved node"],
    ]);
  });
});

describe("agent configuration: --metrics-listen", () => {
  it("is off unless given (an agent on every node opens no TCP port by default)", () => {
    expect(loadAgentConfig(env, []).metricsListen).toBeUndefined();
    expect(loadAgentConfig({ ...env, SWARMVOL_METRICS_LISTEN: "off" }, []).metricsListen).toBeUndefined();
  });

  it("takes host:port from the flag or SWARMVOL_METRICS_LISTEN, checked", () => {
    expect(loadAgentConfig(env, ["--metrics-listen", "127.0.0.1:7751"]).metricsListen).toEqual({ host: "127.0.0.1", port: 7751 });
    expect(loadAgentConfig({ ...env, SWARMVOL_METRICS_LISTEN: "0.0.0.0:9100" }, []).metricsListen).toEqual({ host: "0.0.0.0", port: 9100 });
    for (const bad of ["7751", "host:0", "host:99999", ":"]) {
      expect(() => loadAgentConfig(env, ["--metrics-listen", bad])).toThrow(/--metrics-listen must be host:port like 127\.0\.0\.1:7751/);
    }
  });
});

describe("agent configuration: --share-mounter", () => {
  it("mounts file shares with efs-utils unless told the lab's bind mount, checked", () => {
    expect(loadAgentConfig(env, []).shareMounter).toEqual({ kind: "efs-utils" });
    expect(loadAgentConfig({ ...env, SWARMVOL_SHARE_MOUNTER: "bind:/var/lib/svlab/cloud/efs" }, []).shareMounter).toEqual({ kind: "bind", exportRoot: "/var/lib/svlab/cloud/efs" });
    for (const bad of ["nfs", "bind:", "bind:relative"]) {
      expect(() => loadAgentConfig(env, ["--share-mounter", bad])).toThrow(/--share-mounter must be efs-utils or bind:\/ABSOLUTE\/EXPORT\/ROOT/);
    }
  });
});

describe("agent configuration: its node token (ADR 0011)", () => {
  it("takes SWARMVOL_TOKEN, else the SWARMVOL_TOKEN_FILE path to read once the node joined; never --token", () => {
    expect(loadAgentConfig({ SWARMVOL_TOKEN: "t", SWARMVOL_TOKEN_FILE: "/f" }, []).credential).toEqual({ token: "t" });
    expect(loadAgentConfig({ SWARMVOL_TOKEN_FILE: "/etc/swarmvol/node.token" }, []).credential).toEqual({ file: "/etc/swarmvol/node.token" });
    expect(() => loadAgentConfig({}, [])).toThrow(/missing node token: .*`swarmvol token node NODE_ID --out FILE`/);
    expect(() => loadAgentConfig(env, ["--token", "t"])).toThrow(/no --token flag/);
  });
});
