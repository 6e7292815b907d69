import { describe, expect, it } from "vitest";
import { daemonOf, flagValue, healthPlan, localBaseUrl, swarmvolArgs } from "./healthcheck.js";

const entry = ["node", "/opt/swarmvol/dist/cli/main.js"];
const socket = (path: string) => ({ kind: "plugin", socket: path });
const api = (baseUrl: string) => ({ kind: "api", baseUrl });

describe("healthcheck plan", () => {
  it.each([
    ["agent, default socket", [...entry, "agent", "--controller", "http://c:7750"], {}, "agent", [socket("/run/docker/plugins/swarmvol.sock")]],
    ["agent, --plugin-socket PATH", [...entry, "agent", "--plugin-socket", "/run/docker/plugins/x.sock"], {}, "agent", [socket("/run/docker/plugins/x.sock")]],
    ["agent, --plugin-socket=PATH beats the variable", [...entry, "agent", "--plugin-socket=/p/a.sock"], { SWARMVOL_PLUGIN_SOCKET: "/p/env.sock" }, "agent", [socket("/p/a.sock")]],
    ["agent, from SWARMVOL_PLUGIN_SOCKET", [...entry, "agent"], { SWARMVOL_PLUGIN_SOCKET: "/p/env.sock" }, "agent", [socket("/p/env.sock")]],
    ["no command: all-in-one", entry, {}, "all-in-one", [socket("/run/docker/plugins/swarmvol.sock")]],
    ["flags first: all-in-one", [...entry, "--plugin-socket", "/p/b.sock"], {}, "all-in-one", [socket("/p/b.sock")]],
    ["all-in-one by name", [...entry, "all-in-one", "--plugin-socket=/p/c.sock"], {}, "all-in-one", [socket("/p/c.sock")]],
    ["controller, default listen", [...entry, "controller"], {}, "controller", [api("http://127.0.0.1:7750")]],
    ["controller, wildcard listen asked on loopback", [...entry, "controller", "--listen", "0.0.0.0:7760"], {}, "controller", [api("http://127.0.0.1:7760")]],
    ["controller, IPv6 wildcard", [...entry, "controller", "--listen=[::]:7761"], {}, "controller", [api("http://[::1]:7761")]],
    ["controller, from SWARMVOL_API_LISTEN", [...entry, "controller"], { SWARMVOL_API_LISTEN: "10.0.0.5:7762" }, "controller", [api("http://10.0.0.5:7762")]],
    ["under an init (tini)", ["/sbin/docker-init", "--", ...entry, "controller", "--listen", "0.0.0.0:7763"], {}, "controller", [api("http://127.0.0.1:7763")]],
    ["through the swarmvol bin", ["node", "/usr/bin/swarmvol", "agent"], {}, "agent", [socket("/run/docker/plugins/swarmvol.sock")]],
  ])("%s", (_name, cmdline, env, daemon, targets) => {
    expect(healthPlan(cmdline, env)).toEqual({ daemon, targets });
  });

  it("tries the defaults of both when PID 1 is unreadable, not swarmvol, or another swarmvol command", () => {
    const both = { daemon: undefined, targets: [socket("/run/docker/plugins/swarmvol.sock"), api("http://127.0.0.1:7750")] };
    expect(healthPlan(undefined, {})).toEqual(both);
    expect(healthPlan(["sleep", "infinity"], {})).toEqual(both);
    expect(healthPlan([...entry, "events", "-f"], {})).toEqual(both);
    expect(healthPlan(undefined, { SWARMVOL_PLUGIN_SOCKET: "/p/e.sock", SWARMVOL_API_LISTEN: "0.0.0.0:7764" }))
      .toEqual({ daemon: undefined, targets: [socket("/p/e.sock"), api("http://127.0.0.1:7764")] });
  });

  it("reads flags the way the daemons do: the last one wins, a flag without a value is ignored", () => {
    expect(flagValue(["--listen", "a:1", "--listen=b:2"], "--listen")).toBe("b:2");
    expect(flagValue(["--listen=b:2", "--listen", "c:3"], "--listen")).toBe("c:3");
    expect(flagValue(["--listen"], "--listen")).toBeUndefined();
    expect(flagValue(["--listener=x"], "--listen")).toBeUndefined();
  });

  it("finds the swarmvol command line and its daemon", () => {
    expect(swarmvolArgs(["node", "/x/dist/cli/main.js", "agent", "--a"])).toEqual(["agent", "--a"]);
    expect(swarmvolArgs(["node", "/x/other.js"])).toBeUndefined();
    expect(daemonOf([])).toBe("all-in-one");
    expect(daemonOf(["lab", "up"])).toBeUndefined();
  });

  it("turns a listen address into a local base URL", () => {
    expect(localBaseUrl("127.0.0.1:7750")).toBe("http://127.0.0.1:7750");
    expect(localBaseUrl("[fd00::5]:7750")).toBe("http://[fd00::5]:7750");
    expect(() => localBaseUrl("nonsense")).toThrow(/host:port/);
  });
});
