import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commands, daemonNames } from "../../cli/commands.js";
import { loadAgentConfig } from "../../core/clusterConfig.js";
import { loadDaemonConfig } from "../../core/config.js";

/**
 * The managed plugin's config.json (packaging/plugin/) starts a real daemon the way the
 * image does, and the paths it promises Docker are the ones that daemon uses: the socket
 * Docker looks for is the agent's socket, volumes are mounted under the propagated mount,
 * the token file sits in the etc mount and the engine socket in the docker-sock mount.
 */
interface PluginConfig {
  entrypoint: string[];
  args: { name: string; settable: string[]; value: string[] };
  env: Array<{ name: string; value: string; settable?: string[] }>;
  interface: { socket: string; types: string[] };
  network: { type: string };
  propagatedMount: string;
  mounts: Array<{ name: string; source: string; destination: string; settable?: string[] }>;
  linux: { capabilities: string[]; allowAllDevices: boolean };
}

const root = join(import.meta.dirname, "..", "..");
const config = async () => JSON.parse(await readFile(join(root, "packaging", "plugin", "config.json"), "utf8")) as PluginConfig;
const envOf = (c: PluginConfig) => Object.fromEntries(c.env.map((e) => [e.name, e.value]));

describe("the managed plugin's config.json", () => {
  it("runs the image's swarmvol entry with a settable daemon, agent by default", async () => {
    const c = await config();
    const dockerfile = await readFile(join(root, "Dockerfile"), "utf8");
    expect(dockerfile).toContain(`ENTRYPOINT ["node", "${c.entrypoint[1]}"]`);
    expect(c.entrypoint[0]).toBe("/usr/local/bin/node");
    expect(c.args).toMatchObject({ name: "args", settable: ["value"], value: ["agent"] });
    for (const daemon of ["agent", "all-in-one"]) expect(daemonNames.has(daemon) && commands.has(daemon)).toBe(true);
  });

  it("promises Docker the socket, state and mounts the agent really uses", async () => {
    const c = await config();
    const agent = loadAgentConfig(envOf(c), c.args.value.slice(1));
    expect(agent.pluginSocket).toBe(`/run/docker/plugins/${c.interface.socket}`);
    expect(c.interface.types).toEqual(["docker.volumedriver/1.0"]);
    expect(agent.stateDir).toBe(c.propagatedMount);
    const mount = (name: string) => c.mounts.find((m) => m.name === name);
    expect(agent.dockerHost).toBe(`unix://${mount("docker-sock")?.destination}`);
    expect("file" in agent.credential && agent.credential.file.startsWith(`${mount("etc")?.destination}/`)).toBe(true);
    expect(mount("dev")).toMatchObject({ source: "/dev", destination: "/dev" });
    expect(c.network.type).toBe("host");
    expect(c.linux).toEqual({ capabilities: ["CAP_SYS_ADMIN", "CAP_SYS_NICE"], allowAllDevices: true });
    expect(c.env.find((e) => e.name === "SWARMVOL_CONTROLLER")?.settable).toEqual(["value"]);
  });

  it("as all-in-one, keeps its state under the propagated mount too", async () => {
    const c = await config();
    expect(loadDaemonConfig(envOf(c), []).stateDir).toBe(c.propagatedMount);
  });
});
