import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CommandResult, CommandRunner, Logger } from "../../core/ports.js";
import { silentLogger } from "../../core/ports.js";
import { ErrorCode, internal, isSwarmvolError, SwarmvolError } from "../../core/errors.js";
import { fakeHost } from "../../test/fakes/fakeHostRunner.js";
import { cleanUpOnFailure } from "./cleanup.js";
import type { DetachedSpawner } from "./host.js";
import { up, type LabDeps } from "./lab.js";
import { createBridge, removeNetwork } from "./network.js";
import { BRIDGE } from "./plan.js";

const noSpawn: DetachedSpawner = {
  spawnDetached: (program) => {
    throw new Error(`nothing may start: ${program}`);
  },
};

function fakeDeps(runner: CommandRunner): LabDeps {
  return { runner, spawner: noSpawn, clock: { now: () => 0, sleep: async () => undefined }, logger: silentLogger };
}

async function rejection(promise: Promise<unknown>): Promise<SwarmvolError> {
  try {
    await promise;
  } catch (err) {
    return err as SwarmvolError;
  }
  throw new Error("expected a rejection");
}

/** A host with links that `ip link add/del` really make and remove, and no iptables binary. */
function linkHost() {
  const links = new Set<string>();
  const calls: string[] = [];
  const runner: CommandRunner = {
    async run(program, args): Promise<CommandResult> {
      calls.push([program, ...args].join(" "));
      const ok = (stdout = ""): CommandResult => ({ code: 0, stdout, stderr: "" });
      if (program === "iptables") return { code: 127, stdout: "", stderr: "spawn iptables ENOENT" };
      if (program !== "ip") return ok();
      if (args[0] === "link" && args[1] === "add") links.add(args[2] as string);
      if (args[0] === "link" && args[1] === "del") links.delete(args[2] as string);
      if (args[0] === "-o") return ok([...links].map((l, i) => `${i + 2}: ${l}: <BROADCAST,UP> mtu 1500`).join("\n"));
      return ok();
    },
  };
  return { runner, links, calls };
}

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const logger: Logger & { errors: string[] } = {
    ...silentLogger, errors, error: (_obj, msg) => errors.push(msg), child: () => logger,
  };
  return logger;
}

describe("lab up: host tools and cleanup", () => {
  let dir = "";
  afterEach(async () => {
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("with installing off, a missing iptables fails before anything is made and names the command", async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-up-"));
    const host = fakeHost(["iptables"]);
    const err = await rejection(up({ dir, bare: true, installHostPackages: false }, fakeDeps(host.runner)));
    expect(isSwarmvolError(err, ErrorCode.Unavailable)).toBe(true);
    expect(err.message).toContain("`apt-get update && apt-get install -y --no-install-recommends iptables`");
    expect(host.calls.filter((c) => c[0] !== "sh")).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("a bridge already there is a CONFLICT and is left alone (it may be another lab's)", async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-up-"));
    const host = fakeHost([]);
    const err = await rejection(up({ dir, bare: true }, fakeDeps(host.runner)));
    expect(isSwarmvolError(err, ErrorCode.Conflict)).toBe(true);
    expect(host.calls.filter((c) => c[0] !== "sh")).toEqual([["ip", "link", "show", "dev", BRIDGE]]);
    expect(existsSync(join(dir, "lab.json"))).toBe(false);
  });

  it("a failure after the bridge exists tears the network down and keeps the original error", async () => {
    const host = linkHost();
    const logger = recordingLogger();
    const err = await rejection(cleanUpOnFailure(() => createBridge(host.runner), () => removeNetwork(host.runner), logger, { dir: "/lab" }));
    expect(host.calls).toContain(`ip link add ${BRIDGE} type bridge`);
    expect(host.calls).toContain(`ip link del ${BRIDGE}`);
    expect(host.links.size).toBe(0);
    expect(err.code).toBe(ErrorCode.Internal);
    expect(err.message).toMatch(/^iptables .*spawn iptables ENOENT \(lab up cleaned up after itself\)$/);
    expect(err.details).toMatchObject({ program: "iptables", cleanedUp: true });
    expect(logger.errors).toEqual(["lab up failed; tearing down what it made"]);
  });

  it("a failing cleanup is logged and does not mask the original error", async () => {
    const logger = recordingLogger();
    const original = new SwarmvolError(ErrorCode.Timeout, "dockerd on node2 did not answer", { node: "node2" });
    const err = await rejection(cleanUpOnFailure(async () => { throw original; }, async () => { throw internal("umount busy"); }, logger));
    expect(err.code).toBe(ErrorCode.Timeout);
    expect(err.message).toContain("dockerd on node2 did not answer");
    expect(err.message).toContain("umount busy");
    expect(err.message).toContain("run `swarmvol lab down`");
    expect(err.details).toMatchObject({ node: "node2", cleanedUp: false });
    expect(err.cause).toBe(original);
    expect(logger.errors).toHaveLength(2);
  });

  it("a successful body runs no cleanup", async () => {
    let cleaned = false;
    expect(await cleanUpOnFailure(async () => 7, async () => { cleaned = true; }, silentLogger)).toBe(7);
    expect(cleaned).toBe(false);
  });
});
