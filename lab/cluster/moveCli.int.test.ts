/**
 * `swarmvol move --to` (ADR 0023) for real: the built CLI against the lab controller of 3
 * nodes (--fast-cloud), on real dockerd nodes and EBS-like loop devices.
 * - an idle volume written on node1 moves to node2 phase by phase, and a container there
 *   reads what node1 wrote;
 * - a service's volume is refused naming the `docker service update` to run; with
 *   --with-service the controller re-pins the service, the task moves, and the volume
 *   follows it until mounted there.
 * Needs root and a built dist/; outside CI a missing requirement skips, under CI=true never.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shouldSkip } from "../../test/support/requirements.js";
import { dockerCli } from "../drill/environment.js";
import { pollUntil } from "./engine.js";
import { hostRunner } from "./host.js";
import { BUSYBOX_IMAGE, defaultLabDeps, down, systemClock, up } from "./lab.js";
import type { LabState, NodeState } from "./state.js";
import { swarmvolPaths } from "./swarmvolPlan.js";

const skip = shouldSkip("swarmvol move in the lab", ["dockerd", "docker-registry", "iptables", "nsenter", "unshare", "busybox", "ip", "losetup"]);
const main = join(import.meta.dirname, "..", "..", "dist", "cli", "main.js");
if (!skip && ["dist/cli/main.js", "dist/lab/cloud/main.js"].some((file) => !existsSync(join(import.meta.dirname, "..", "..", file)))) {
  throw new Error("the lab move test needs a built dist/; run `npm run build` (npm test does)");
}

const VOLUME = "mv-data";
const SERVICE = "mvsvc";

describe.skipIf(skip)("swarmvol move --to against the lab controller (3 nodes)", () => {
  const deps = defaultLabDeps();
  let dir = "";
  let state: LabState;
  const node = (name: string) => state.nodes.find((n) => n.name === name) as NodeState;
  const docker = async (on: string, args: string[]) => (await dockerCli(hostRunner, node(on), args)).trim();
  const mount = `type=volume,source=${VOLUME},target=/d,volume-driver=swarmvol`;

  /** The built CLI with the lab's controller and token file; resolves to its exit code and output. */
  function swarmvol(args: string[]): Promise<{ code: number | null; out: string; err: string; ms: number }> {
    const started = Date.now();
    const env = { PATH: process.env.PATH, SWARMVOL_CONTROLLER: state.swarmvol?.controllerUrl ?? "", SWARMVOL_TOKEN_FILE: swarmvolPaths(dir).tokenFile };
    const child = spawn(process.execPath, [main, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    return new Promise((resolve) => child.on("exit", (code) => resolve({ code, out, err, ms: Date.now() - started })));
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-lab-move-"));
    state = (await up({ dir, nodes: 3, fastCloud: true }, deps)).state;
    await docker("node1", ["volume", "create", "-d", "swarmvol", "-o", "size=1", VOLUME]);
    await docker("node1", ["run", "--rm", "--mount", mount, BUSYBOX_IMAGE, "sh", "-c", "echo written-on-node1 > /d/f && sync"]);
  });

  afterAll(async () => {
    if (dir) {
      await down(dir, deps).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("an idle volume moves to node2 phase by phase, and a container there reads what node1 wrote", async () => {
    const run = await swarmvol(["move", VOLUME, "--to", "node2", "--timeout", "2m"]);
    console.log(`[lab] swarmvol move of an idle volume took ${(run.ms / 1000).toFixed(1)} s:\n${run.out}`);
    expect([run.code, run.err]).toEqual([0, ""]);
    expect(run.out).toMatch(/t4 detached[\s\S]*t5 attached[\s\S]*granted to node2[\s\S]*is on node2: attached and granted there/);
    expect(await docker("node2", ["run", "--rm", "--mount", mount, BUSYBOX_IMAGE, "cat", "/d/f"])).toBe("written-on-node1");
  });

  it("a service's volume is refused naming docker service update; --with-service moves the service and the volume follows it", async () => {
    await docker("node1", ["service", "create", "-d", "--name", SERVICE, "--constraint", "node.hostname==node2", "--mount", mount,
      BUSYBOX_IMAGE, "sh", "-c", "cat /d/f; while true; do date >> /d/log; sleep 1; done"]);
    const onNode = async (name: string) => (await docker("node1", ["service", "ps", SERVICE, "--filter", "desired-state=running", "--format", "{{.Node}} {{.CurrentState}}"]))
      .split("\n").some((line) => line.startsWith(`${name} Running`));
    await pollUntil(systemClock, 120_000, `${SERVICE} running on node2`, async () => ((await onNode("node2")) ? true : null), 500);
    const refused = await swarmvol(["move", VOLUME, "--to", "node3"]);
    expect(refused.code).toBe(5);
    expect(refused.err).toContain(`\`docker service update --constraint-rm node.hostname==node2 --constraint-add node.hostname==node3 ${SERVICE}\``);
    const run = await swarmvol(["move", VOLUME, "--to", "node3", "--with-service", "--timeout", "3m"]);
    console.log(`[lab] swarmvol move --with-service took ${(run.ms / 1000).toFixed(1)} s:\n${run.out}`);
    expect([run.code, run.err]).toEqual([0, ""]);
    expect(run.out).toContain(`service ${SERVICE} re-pinned: node.hostname==node3 (was node.hostname==node2)`);
    expect(run.out).toMatch(/t7 mounted[\s\S]*is on node3: attached, granted and mounted there/);
    await pollUntil(systemClock, 60_000, `${SERVICE} running on node3`, async () => ((await onNode("node3")) ? true : null), 500);
    expect(await docker("node1", ["service", "inspect", SERVICE, "--format", "{{json .Spec.TaskTemplate.Placement.Constraints}}"])).toBe('["node.hostname==node3"]');
  });
});
