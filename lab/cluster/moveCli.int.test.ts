/**
 * The operator's CLI (issue 10, done-when 2) for real: the built binary against the lab
 * controller of 3 nodes (--fast-cloud), on real dockerd nodes and EBS-like loop devices,
 * reaching it as a script would, through `swarmvol lab status --json` (controller url and
 * token file).
 * - an idle volume written on node1 moves to node2 phase by phase, and a container there
 *   reads what node1 wrote;
 * - a service's volume is refused naming the `docker service update` to run; with
 *   --with-service the controller re-pins the service, the task moves, and the volume
 *   follows it until mounted there;
 * - ls, inspect, nodes; `events -f` running while a move is made shows the move's phases
 *   in order, as `move --json` does; fence refuses moves onto the node (naming unfence),
 *   unfence takes that back.
 * Needs root and a built dist/; outside CI a missing requirement skips, under CI=true never.
 */
import { spawn, type ChildProcess } from "node:child_process";
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

const skip = shouldSkip("swarmvol move in the lab", ["dockerd", "docker-registry", "iptables", "nsenter", "unshare", "busybox", "ip", "losetup"]);
const main = join(import.meta.dirname, "..", "..", "dist", "cli", "main.js");
if (!skip && ["dist/cli/main.js", "dist/lab/cloud/main.js"].some((file) => !existsSync(join(import.meta.dirname, "..", "..", file)))) {
  throw new Error("the lab move test needs a built dist/; run `npm run build` (npm test does)");
}

const VOLUME = "mv-data";
const SERVICE = "mvsvc";
const OPS_VOLUME = "mv-ops";

interface Running {
  child: ChildProcess;
  output(): { out: string; err: string };
  exited: Promise<number | null>;
}

/** Children still running (an `events -f` a failed test left), ended after the suite. */
const children = new Set<ChildProcess>();

/** The built CLI as a child process, its output collected as it comes. */
function start(args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [main, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => {
    children.delete(child);
    resolve(code);
  }));
  return { child, output: () => ({ out, err }), exited };
}

const jsonLines = (text: string) => text.trimEnd().split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as Record<string, unknown>);

describe.skipIf(skip)("swarmvol move --to against the lab controller (3 nodes)", () => {
  const deps = defaultLabDeps();
  let dir = "";
  let state: LabState;
  const node = (name: string) => state.nodes.find((n) => n.name === name) as NodeState;
  const docker = async (on: string, args: string[]) => (await dockerCli(hostRunner, node(on), args)).trim();
  const mount = `type=volume,source=${VOLUME},target=/d,volume-driver=swarmvol`;

  /** SWARMVOL_CONTROLLER and SWARMVOL_TOKEN_FILE as `swarmvol lab status --json` names them. */
  let env: NodeJS.ProcessEnv = {};

  /** The built CLI with the lab's controller and token file; resolves to its exit code and output. */
  async function swarmvol(args: string[]): Promise<{ code: number | null; out: string; err: string; ms: number }> {
    const started = Date.now();
    const run = start(args, env);
    const code = await run.exited;
    return { code, ...run.output(), ms: Date.now() - started };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-lab-move-"));
    state = (await up({ dir, nodes: 3, fastCloud: true }, deps)).state;
    const status = start(["lab", "status", "--json", "--dir", dir], {});
    expect(await status.exited, status.output().err).toBe(0);
    const { controller } = JSON.parse(status.output().out) as { controller: { url: string | null; tokenFile: string | null } };
    expect(controller.url).toMatch(/^http:\/\/[\d.]+:\d+$/);
    env = { SWARMVOL_CONTROLLER: controller.url ?? "", SWARMVOL_TOKEN_FILE: controller.tokenFile ?? "" };
    await docker("node1", ["volume", "create", "-d", "swarmvol", "-o", "size=1", VOLUME]);
    await docker("node1", ["run", "--rm", "--mount", mount, BUSYBOX_IMAGE, "sh", "-c", "echo written-on-node1 > /d/f && sync"]);
  });

  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
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

  it("events -f shows a move's phases in order while move --json makes it; ls, inspect and nodes answer; fence refuses moves onto a node until unfence", async () => {
    await docker("node1", ["volume", "create", "-d", "swarmvol", "-o", "size=1", OPS_VOLUME]);
    await docker("node1", ["run", "--rm", "--mount", mount.replace(VOLUME, OPS_VOLUME), BUSYBOX_IMAGE, "sh", "-c", "echo ops > /d/f && sync"]);
    // Right away, before the idle volume is detached from node1 (--idle-detach-ms, 30 s):
    // events -f runs through the move, having printed the volume's history before it starts.
    const events = start(["events", "-f", "--volume", OPS_VOLUME, "--json"], env);
    await pollUntil(systemClock, 30_000, "events -f printing", async () => (events.output().out.includes("\n") ? true : null), 200);
    const moved = await swarmvol(["move", OPS_VOLUME, "--to", "node2", "--json", "--timeout", "2m"]);
    console.log(`[lab] swarmvol move --json took ${(moved.ms / 1000).toFixed(1)} s:\n${moved.out}`);
    expect([moved.code, moved.err]).toEqual([0, ""]);
    const lines = jsonLines(moved.out);
    const moveId = lines[0]?.move;
    expect(lines.map((line) => line.phase)).toEqual(expect.arrayContaining(["requested", "t4_detached", "t5_attached", "granted", "result"]));
    expect(lines.at(-1)).toMatchObject({ phase: "result", state: "arrived" });
    const phasesOf = () => jsonLines(events.output().out).filter((e) => e.type === "move.phase").map((e) => (e.data as { phase: string }).phase);
    await pollUntil(systemClock, 30_000, "the move's t5 in events -f", async () => (phasesOf().includes("t5_attached") ? true : null), 200);
    events.child.kill("SIGTERM");
    expect(await events.exited).toBe(0);
    const seen = jsonLines(events.output().out);
    const requested = seen.findIndex((e) => (e.data as { move?: string }).move === moveId);
    const phases = seen.slice(requested).filter((e) => e.type === "move.phase").map((e) => (e.data as { phase: string }).phase);
    console.log(`[lab] events -f during the move: ${phases.join(", ")}`);
    expect(requested).toBeGreaterThanOrEqual(0);
    const order = ["requested", "t2_seen", "t3_fenced", "t4_detached", "t5_attached"];
    expect(phases.filter((phase) => order.includes(phase))).toEqual(order);

    const ls = await swarmvol(["ls"]);
    expect([ls.code, ls.err]).toEqual([0, ""]);
    expect(ls.out).toMatch(new RegExp(`^NAME +SIZE[\\s\\S]*\\n${OPS_VOLUME} +1GiB +ext4 `));
    const nodes = JSON.parse((await swarmvol(["nodes", "--json"])).out) as Array<{ nodeId: string; hostname: string; operatorFenced?: boolean }>;
    expect(nodes.map((n) => n.hostname).sort()).toEqual(["node1", "node2", "node3"]);
    const idOf = (hostname: string) => nodes.find((n) => n.hostname === hostname)?.nodeId ?? "";
    const table = await swarmvol(["nodes"]);
    expect([table.code, table.out.split("\n").filter((line) => /^\S+ +node\d /.test(line)).length]).toEqual([0, 3]);
    expect(lines.at(-1)).toMatchObject({ toNode: idOf("node2"), grantedTo: idOf("node2") });
    const inspect = await swarmvol(["inspect", OPS_VOLUME, "--json"]);
    expect(JSON.parse(inspect.out)).toMatchObject({ spec: { name: OPS_VOLUME }, status: { grantedTo: { nodeId: idOf("node2") }, lastMove: { toNode: idOf("node2") } } });
    expect((await swarmvol(["inspect", OPS_VOLUME])).out).toContain(OPS_VOLUME);

    // node1 now holds nothing: fence it, a move onto it is refused naming unfence, unfence takes that back.
    const fence = await swarmvol(["fence", "node1"]);
    expect([fence.code, fence.out]).toEqual([0, `fenced node ${idOf("node1")} (node1): the controller counts it down for good\n`]);
    expect(fence.err).toContain(`\`swarmvol unfence ${idOf("node1")}\``);
    const fencedView = JSON.parse((await swarmvol(["nodes", "--json"])).out) as typeof nodes;
    expect(fencedView.find((n) => n.hostname === "node1")?.operatorFenced).toBe(true);
    const refused = await swarmvol(["move", OPS_VOLUME, "--to", "node1"]);
    expect(refused.code).toBe(5);
    expect(refused.err).toContain(`fenced by an operator: nothing moves onto it; take the fence back with \`swarmvol unfence ${idOf("node1")}\``);
    const unfence = await swarmvol(["unfence", "node1"]);
    expect([unfence.code, unfence.out]).toEqual([0, `unfenced node ${idOf("node1")} (node1): its volumes move again only as its agent's lease allows\n`]);
    // The fence's label leaves the node at Swarm's next listing by the controller.
    await pollUntil(systemClock, 30_000, "node1 unfenced in swarmvol nodes", async () => {
      const view = JSON.parse((await swarmvol(["nodes", "--json"])).out) as typeof nodes;
      return view.find((n) => n.hostname === "node1")?.operatorFenced === undefined ? true : null;
    }, 500);
    const back = await swarmvol(["move", OPS_VOLUME, "--to", "node1", "--timeout", "2m"]);
    expect([back.code, back.err]).toEqual([0, ""]);
    expect(back.out).toMatch(/is on node1: attached and granted there/);
  });
});
