import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAgentConfig, loadControllerConfig } from "../../core/clusterConfig.js";
import { planNodes, resolveOptions } from "./plan.js";
import {
  agentArgv, cloudArgv, cloudInstances, controllerArgv, controllerHosts, controllerList, FAST_CLOUD_FAULTS, LAUNCH_WRAPPER,
  type LaunchSettings,
} from "./swarmvolPlan.js";

const options = resolveOptions({ nodes: 3, zones: 2, dir: "/lab" });
const [node1, node2] = planNodes(options) as [ReturnType<typeof planNodes>[number], ReturnType<typeof planNodes>[number]];
const settings: LaunchSettings = {
  labDir: "/lab", logLevel: "debug",
  artifacts: { node: "/usr/bin/node", cliMain: "/repo/dist/cli/main.js", cloudMain: "/repo/dist/lab/cloud/main.js" },
};

/** The daemon's own arguments: what follows `node main.js` after the launch wrapper. */
function daemonArgs(argv: string[], tokenFile = "/lab/nodes/swarmvol.token"): string[] {
  expect(argv.slice(0, 4)).toEqual(["/bin/sh", "-c", LAUNCH_WRAPPER, "swarmvol-launch"]);
  expect(argv.slice(4, 6)).toEqual([tokenFile, "debug"]);
  expect(argv.slice(7, 9)).toEqual(["/usr/bin/node", "/repo/dist/cli/main.js"]);
  return argv.slice(9);
}

describe("swarmvol plan for the lab", () => {
  it("gives each agent flags that `swarmvol agent` accepts, with the node's own identity and token file", () => {
    const argv = agentArgv(node2, [node1], settings);
    expect(argv[6]).toBe("/lab/nodes/node2/agent.log");
    const [command, ...flags] = daemonArgs(argv, "/lab/nodes/node2/swarmvol-node.token");
    expect(command).toBe("agent");
    expect(flags.join(" ")).not.toContain("--token");
    expect(loadAgentConfig({ SWARMVOL_TOKEN_FILE: "/lab/nodes/node2/swarmvol-node.token" }, flags)).toMatchObject({
      controllers: ["http://10.213.0.11:7750"], credential: { file: "/lab/nodes/node2/swarmvol-node.token" }, pluginSocket: "/run/docker/plugins/swarmvol.sock",
      stateDir: "/lab/nodes/node2/swarmvol", dockerHost: "unix:///lab/nodes/node2/docker.sock",
      instanceId: node2.instanceId, zone: "us-east-1b", deviceDir: "/dev/disk/by-id", hostname: "node2",
      metricsListen: { host: node2.address, port: 7751 },
    });
  });

  it("gives the controller flags that `swarmvol controller` accepts, on the manager's address", () => {
    const argv = controllerArgv(node1, settings);
    expect(argv[6]).toBe("/lab/nodes/node1/controller.log");
    const [command, ...flags] = daemonArgs(argv);
    expect(command).toBe("controller");
    expect(loadControllerConfig({ SWARMVOL_TOKEN: "t" }, flags)).toMatchObject({
      listen: { host: "10.213.0.11", port: 7750 }, token: "t", stateDir: "/lab/nodes/node1/controller",
      dockerHost: "unix:///lab/nodes/node1/docker.sock", ec2Endpoint: "http://10.213.0.1:4566", region: "us-east-1",
      fenceMode: "self",
    });
    const power = daemonArgs(controllerArgv(node1, { ...settings, fenceMode: "power" })).slice(1);
    expect(loadControllerConfig({ SWARMVOL_TOKEN: "t" }, power).fenceMode).toBe("power");
  });

  it("with 3 managers: one replica per manager, each on its own address, state dir and log", () => {
    const nodes = planNodes(resolveOptions({ nodes: 5, managers: 3, dir: "/lab" }));
    const hosts = controllerHosts(nodes);
    expect(hosts.map((h) => h.name)).toEqual(["node1", "node2", "node3"]);
    const configs = hosts.map((host) => {
      const argv = controllerArgv(host, settings);
      expect(argv[6]).toBe(`/lab/nodes/${host.name}/controller.log`);
      const [command, ...flags] = daemonArgs(argv);
      expect(command).toBe("controller");
      return loadControllerConfig({ SWARMVOL_TOKEN: "t" }, flags);
    });
    expect(configs.map((c) => `${c.listen.host}:${c.listen.port}`)).toEqual(["10.213.0.11:7750", "10.213.0.12:7750", "10.213.0.13:7750"]);
    expect(configs.map((c) => c.stateDir)).toEqual(["/lab/nodes/node1/controller", "/lab/nodes/node2/controller", "/lab/nodes/node3/controller"]);
  });

  it("with 3 managers: every agent gets every replica's URL, comma-separated, first manager first", () => {
    const nodes = planNodes(resolveOptions({ nodes: 5, managers: 3, dir: "/lab" }));
    const list = "http://10.213.0.11:7750,http://10.213.0.12:7750,http://10.213.0.13:7750";
    expect(controllerList(controllerHosts(nodes))).toBe(list);
    for (const node of nodes) {
      const flags = daemonArgs(agentArgv(node, controllerHosts(nodes), settings), `/lab/nodes/${node.name}/swarmvol-node.token`);
      expect(flags[0]).toBe("agent");
      expect(flags[flags.indexOf("--controller") + 1]).toBe(list);
      expect(flags[flags.indexOf("--hostname") + 1]).toBe(node.name);
    }
  });

  it("with 1 manager the agent's --controller is the one URL, exactly as before HA", () => {
    const nodes = planNodes(resolveOptions({ nodes: 3, managers: 1, dir: "/lab" }));
    expect(controllerHosts(nodes).map((h) => h.name)).toEqual(["node1"]);
    const flags = daemonArgs(agentArgv(nodes[2] as (typeof nodes)[number], controllerHosts(nodes), settings), "/lab/nodes/node3/swarmvol-node.token");
    expect(flags[flags.indexOf("--controller") + 1]).toBe("http://10.213.0.11:7750");
  });

  it("runs the emulator on the bridge address with one instance per node, fast latencies only when asked", () => {
    expect(cloudInstances([node1])).toEqual([{
      instanceId: node1.instanceId, name: "node1", zone: "us-east-1a", deviceDir: "/lab/nodes/node1/by-id", privateIp: "10.213.0.11",
    }]);
    const slow = cloudArgv("/lab", settings.artifacts, false);
    expect(slow).toEqual([
      "/repo/dist/lab/cloud/main.js", "--config", "/lab/cloud/instances.json", "--data", "/lab/cloud",
      "--host", "10.213.0.1", "--port", "4566", "--lab-dir", "/lab",
    ]);
    expect(cloudArgv("/lab", settings.artifacts, true)).toEqual([...slow, "--faults", JSON.stringify(FAST_CLOUD_FAULTS)]);
  });

  it("launch wrapper: the token file's path in the env (never the token, nor an inherited one), output into the log", () => {
    const dir = mkdtempSync(join(tmpdir(), "swarmvol-wrapper-"));
    const log = join(dir, "out.log");
    // The file need not exist yet: an agent's token arrives once its node joined.
    execFileSync("/bin/sh", ["-c", LAUNCH_WRAPPER, "x", join(dir, "token"), "warn", log,
      "/bin/sh", "-c", 'echo "$SWARMVOL_TOKEN_FILE ${SWARMVOL_TOKEN-unset} $SWARMVOL_LOG_LEVEL $*"', "y", "a", "b"], { env: { ...process.env, SWARMVOL_TOKEN: "inherited" } });
    expect(execFileSync("cat", [log], { encoding: "utf8" })).toBe(`${join(dir, "token")} unset warn a b\n`);
  });

  it("crash points: only a launch that asks arms them; an inherited SWARMVOL_CRASH_AT is dropped", () => {
    const armed = agentArgv(node2, [node1], { ...settings, crashAt: ["agent.mount.mounted", "agent.mount.recorded"] });
    const at = armed.indexOf("env");
    expect(armed.slice(at, at + 3)).toEqual(["env", "SWARMVOL_CRASH_AT=agent.mount.mounted,agent.mount.recorded", "/usr/bin/node"]);
    expect(agentArgv(node2, [node1], { ...settings, crashAt: [] })).not.toContain("env");
    const dir = mkdtempSync(join(tmpdir(), "swarmvol-wrapper-"));
    const log = join(dir, "out.log");
    const show = ["/bin/sh", "-c", 'echo "${SWARMVOL_CRASH_AT-unset}"', "y"];
    const env = { ...process.env, SWARMVOL_CRASH_AT: "inherited" };
    execFileSync("/bin/sh", ["-c", LAUNCH_WRAPPER, "x", join(dir, "token"), "warn", log, ...show], { env });
    execFileSync("/bin/sh", ["-c", LAUNCH_WRAPPER, "x", join(dir, "token"), "warn", log, "env", "SWARMVOL_CRASH_AT=agent.mount.mounted", ...show], { env });
    expect(execFileSync("cat", [log], { encoding: "utf8" })).toBe("unset\nagent.mount.mounted\n");
  });
});
