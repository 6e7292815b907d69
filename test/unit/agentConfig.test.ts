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

describe("agent configuration: its node token (ADR 0011)", () => {
  it("takes SWARMVOL_TOKEN, else the SWARMVOL_TOKEN_FILE path to read once the node joined; never --token", () => {
    expect(loadAgentConfig({ SWARMVOL_TOKEN: "t", SWARMVOL_TOKEN_FILE: "/f" }, []).credential).toEqual({ token: "t" });
    expect(loadAgentConfig({ SWARMVOL_TOKEN_FILE: "/etc/swarmvol/node.token" }, []).credential).toEqual({ file: "/etc/swarmvol/node.token" });
    expect(() => loadAgentConfig({}, [])).toThrow(/missing node token: .*`swarmvol token node NODE_ID --out FILE`/);
    expect(() => loadAgentConfig(env, ["--token", "t"])).toThrow(/no --token flag/);
  });
});
