import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commands, daemonNames } from "../../cli/commands.js";
import { loadAgentConfig, loadControllerConfig } from "../../core/clusterConfig.js";

/**
 * The systemd units in packaging/systemd/ start real swarmvol daemons with real flags: each
 * ExecStart's verb is a command cli/main.ts dispatches, and its flags go through the very
 * settings loader the daemon uses (unknown flags and `--token` are refused there). The
 * token comes from a file, never from argv or Environment=; the agent starts before
 * dockerd, the controller after it.
 */
const unitsDir = join(import.meta.dirname, "..", "..", "packaging", "systemd");

type Unit = Map<string, Map<string, string[]>>;

/** systemd's ini dialect: sections, repeated keys, `\` line continuations, `#`/`;` comments. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  const lines = text.replace(/\\\n/g, " ").split("\n");
  for (const raw of lines) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = unit.get(header[1] as string) ?? new Map<string, string[]>();
      unit.set(header[1] as string, section);
      continue;
    }
    const equals = line.indexOf("=");
    if (section === undefined || equals < 1) throw new Error(`not a unit file line: ${line}`);
    const key = line.slice(0, equals).trim();
    section.set(key, [...(section.get(key) ?? []), line.slice(equals + 1).trim()]);
  }
  return unit;
}

async function unitFile(name: string): Promise<Unit> {
  return parseUnit(await readFile(join(unitsDir, name), "utf8"));
}

const values = (unit: Unit, section: string, key: string): string[] => unit.get(section)?.get(key) ?? [];
const words = (unit: Unit, section: string, key: string): string[] => values(unit, section, key).flatMap((value) => value.split(/\s+/)).filter(Boolean);

/** ExecStart's argv (no quoting in these units: a quote would be a mistake to look at). */
function execStart(unit: Unit): string[] {
  const [line, ...more] = values(unit, "Service", "ExecStart");
  expect(more, "one ExecStart").toEqual([]);
  expect(line, "ExecStart without quotes or prefixes").toMatch(/^\/[^'"@\-:+!]/);
  return (line as string).split(/\s+/);
}

/** Environment= assignments (`A=1 B=2` on one line, or several lines). */
function environment(unit: Unit): Map<string, string> {
  const env = new Map<string, string>();
  for (const assignment of words(unit, "Service", "Environment")) {
    const [name = "", ...rest] = assignment.split("=");
    env.set(name, rest.join("="));
  }
  return env;
}

/** The verb and its flags, checked against the CLI's own dispatch table and settings loader. */
function checkCommandLine(unit: Unit, verb: "agent" | "controller"): string[] {
  const argv = execStart(unit);
  expect(argv[0], "ExecStart runs the swarmvol binary itself (no env or shell wrapper)").toMatch(/\/swarmvol$/);
  expect(argv[1]).toBe(verb);
  expect(commands.has(argv[1] as string) && daemonNames.has(argv[1] as string), `swarmvol ${argv[1]} is a daemon verb`).toBe(true);
  expect(argv.filter((arg) => /token/i.test(arg)), "no token (nor --token) in argv: `ps` shows it").toEqual([]);
  const load = verb === "agent" ? loadAgentConfig : loadControllerConfig;
  // The daemon's own parser: unknown flags, flags without values and --token all throw.
  expect(() => load({ SWARMVOL_TOKEN: "unit-test" }, argv.slice(2))).not.toThrow();
  return argv.slice(2);
}

function checkTokenFromFile(unit: Unit): void {
  const env = environment(unit);
  expect(env.has("SWARMVOL_TOKEN"), "the token itself never in Environment= (systemctl show prints it)").toBe(false);
  expect(env.get("SWARMVOL_TOKEN_FILE")).toBe("%d/token");
  expect(values(unit, "Service", "LoadCredential")).toEqual(["token:/etc/swarmvol/token"]);
}

/** Options that give a service its own mount namespace or device policy. */
const namespacing = [
  "ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices", "PrivateMounts", "ReadWritePaths", "ReadOnlyPaths",
  "InaccessiblePaths", "TemporaryFileSystem", "BindPaths", "BindReadOnlyPaths", "ProtectKernelModules", "ProtectKernelLogs",
  "ProtectKernelTunables", "ProtectControlGroups", "ProtectClock", "ProtectProc", "DynamicUser", "MountFlags", "DeviceAllow", "DevicePolicy",
];

describe("packaging/systemd units", () => {
  it("the parser joins continuations, keeps repeated keys and skips comments", () => {
    const unit = parseUnit("# c\n[Service]\nEnvironment=A=1\nEnvironment=B=2 C=3\nExecStart=/x \\\n  --y 1\n");
    expect(values(unit, "Service", "Environment")).toEqual(["A=1", "B=2 C=3"]);
    expect(environment(unit).get("C")).toBe("3");
    expect(values(unit, "Service", "ExecStart")).toEqual(["/x    --y 1"]);
  });

  it("swarmvol-agent.service: a real agent command line, started before dockerd and never tied to it", async () => {
    const unit = await unitFile("swarmvol-agent.service");
    checkCommandLine(unit, "agent");
    checkTokenFromFile(unit);
    expect(words(unit, "Unit", "Before")).toContain("docker.service");
    for (const key of ["After", "Requires", "BindsTo", "PartOf", "Requisite"]) {
      expect(words(unit, "Unit", key), `${key}=docker.service would start the agent after dockerd, or restart dockerd with it`).not.toContain("docker.service");
    }
    expect(values(unit, "Service", "Restart")).toEqual(["always"]);
    expect(words(unit, "Install", "WantedBy")).toContain("multi-user.target");
  });

  it("swarmvol-agent.service: the unit counts as started only once the default plugin socket exists", async () => {
    const unit = await unitFile("swarmvol-agent.service");
    const socket = loadAgentConfig({ SWARMVOL_TOKEN: "t" }, []).pluginSocket;
    expect(values(unit, "Service", "Type")).toEqual(["simple"]);
    expect(values(unit, "Service", "ExecStartPost").join(" ")).toContain(`[ ! -S ${socket} ]`);
  });

  it("swarmvol-agent.service: hardened, but with no mount namespace or device policy of its own, and CAP_SYS_ADMIN to mount", async () => {
    const unit = await unitFile("swarmvol-agent.service");
    const service = unit.get("Service") ?? new Map();
    expect(namespacing.filter((key) => service.has(key)), "the agent's mounts must be the host's (dockerd bind-mounts them)").toEqual([]);
    expect(words(unit, "Service", "CapabilityBoundingSet")).toEqual(expect.arrayContaining(["CAP_SYS_ADMIN", "CAP_MKNOD", "CAP_DAC_OVERRIDE"]));
    expect(values(unit, "Service", "NoNewPrivileges")).toEqual(["yes"]);
    expect(values(unit, "Service", "User"), "mount and mkfs need root").toEqual([]);
  });

  it("swarmvol-controller.service: a real controller command line on the port agents ask, after dockerd, unprivileged", async () => {
    const unit = await unitFile("swarmvol-controller.service");
    const flags = checkCommandLine(unit, "controller");
    checkTokenFromFile(unit);
    const config = loadControllerConfig({ SWARMVOL_TOKEN: "t" }, flags);
    expect(config.listen.port, "agents learn the managers and ask this port (--controller-port)").toBe(loadAgentConfig({ SWARMVOL_TOKEN: "t" }, []).controllerPort);
    expect(config.advertiseUrl, "a wildcard listen: each replica names itself by its manager's Swarm address").toBeUndefined();
    expect(words(unit, "Unit", "After")).toContain("docker.service");
    expect(words(unit, "Unit", "Before")).not.toContain("docker.service");
    expect(values(unit, "Service", "Restart")).toEqual(["always"]);
    expect(values(unit, "Service", "User")).toEqual(["swarmvol"]);
    expect(words(unit, "Service", "SupplementaryGroups")).toContain("docker");
    expect(values(unit, "Service", "CapabilityBoundingSet")).toEqual([""]);
    const service = unit.get("Service") ?? new Map();
    expect(namespacing.filter((key) => service.has(key))).toEqual([]);
    expect(environment(unit).get("SWARMVOL_STATE_DIR")).toBe(`/var/lib/${values(unit, "Service", "StateDirectory")[0]}`);
  });
});
