import { describe, expect, it } from "vitest";
import { loadAgentConfig } from "../../core/clusterConfig.js";

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
