import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callPlugin } from "../support/pluginClient.js";
import { moveSecret, startMoveWorld, type MoveWorld } from "../support/moveWorld.js";

/**
 * The built binary (`npm run build`, then node dist/cli/main.js) driven as an operator
 * drives it: against a running all-in-one (the built daemon itself, on a temp state dir,
 * its plugin socket and API on loopback), and `swarmvol move` against a leader
 * (test/support/moveWorld.ts) whose reconciles the test runs while the binary follows.
 */
const root = join(import.meta.dirname, "..", "..");
const main = join(root, "dist", "cli", "main.js");
const built = existsSync(main);
if (!built && process.env.CI === "true") throw new Error(`${main} is missing: npm test builds it first (pretest); CI must run every test`);
if (!built) console.warn(`[skip] the built swarmvol CLI: ${main} is missing; run \`npm run build\``);

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Runs the binary; `whileRunning` plays the world meanwhile and may read what it has printed so far. */
function swarmvol(args: string[], env: NodeJS.ProcessEnv, whileRunning?: (printed: () => string) => Promise<void>): Promise<Run> {
  const child = spawn(process.execPath, [main, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return (async () => {
    await whileRunning?.(() => out);
    return { code: await exited, out, err };
  })();
}

/** Resolves once `check` holds, looking every 20 ms (the binary runs meanwhile); the test's own timeout bounds it. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

// Every case spawns the built CLI (a fresh Node process loading its modules) several times:
// on a loaded 2-core machine that alone takes seconds, so a case gets two minutes. Nothing
// here measures speed.
const binaryCase = { timeout: 120_000 };

describe.skipIf(!built)("the built swarmvol CLI against a running all-in-one", binaryCase, () => {
  let dir: string;
  let url: string;
  let env: NodeJS.ProcessEnv;
  let daemon: ReturnType<typeof spawn>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-cli-"));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const socket = join(dir, "plugin.sock");
    daemon = spawn(process.execPath, [main, "all-in-one", "--plugin-socket", socket, "--state-dir", join(dir, "state"), "--api-listen", `127.0.0.1:${port}`,
      "--docker-host", `unix://${join(dir, "no-docker.sock")}`, "--log-level", "error"], { stdio: "ignore" });
    for (let attempt = 0; attempt < 100 && !(await fetch(`${url}/v1/health`).then((res) => res.ok, () => false)); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const created = await callPlugin(socket, "/VolumeDriver.Create", { Name: "data", Opts: { size: "64M" } });
    expect([created.status, created.body.Err ?? ""]).toEqual([200, ""]);
    await writeFile(join(dir, "token"), "unused-by-all-in-one\n");
    env = { SWARMVOL_CONTROLLER: url, SWARMVOL_TOKEN_FILE: join(dir, "token") };
  });
  afterAll(async () => {
    daemon?.kill("SIGTERM");
    await new Promise((resolve) => daemon?.once("exit", resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it("ls, inspect and status answer as tables and as JSON", async () => {
    const ls = await swarmvol(["ls"], env);
    expect([ls.code, ls.err]).toEqual([0, ""]);
    expect(ls.out).toMatch(/^NAME +SIZE +FS +EPOCH +GRANTED TO +ZONE +CONDITION\ndata +64MiB +ext4 +0 +- +- +OK\n$/);
    const inspect = await swarmvol(["inspect", "data", "--json"], env);
    expect(JSON.parse(inspect.out)).toMatchObject({ spec: { name: "data", sizeBytes: 64 * 1024 ** 2 } });
    const status = await swarmvol(["status", "--json"], env);
    expect(JSON.parse(status.out)).toMatchObject({ serving: [url] });
  });

  it("the token comes from --token-file too, never from argv; exit codes are the documented ones", async () => {
    expect((await swarmvol(["ls", "--token-file", join(dir, "token")], { SWARMVOL_CONTROLLER: url })).code).toBe(0);
    const missing = await swarmvol(["ls"], { SWARMVOL_CONTROLLER: url });
    expect([missing.code, missing.err]).toEqual([9, expect.stringMatching(/no API token: set SWARMVOL_TOKEN_FILE/)]);
    const argv = await swarmvol(["ls", "--token", "s3cret"], env);
    expect([argv.code, argv.err]).toEqual([2, expect.stringMatching(/no --token flag/)]);
    expect(argv.err).not.toContain("s3cret");
    expect((await swarmvol(["inspect", "nope"], env)).code).toBe(3);
    expect((await swarmvol(["ls", "--bogus"], env)).err).toMatch(/unknown argument "--bogus"; valid flags: --controller, --token-file, --json/);
    expect((await swarmvol(["frob"], env)).code).toBe(2);
  });

  it("nodes and move say that an all-in-one has no nodes to move to (exit 3)", async () => {
    const nodes = await swarmvol(["nodes"], env);
    expect([nodes.code, nodes.err]).toEqual([3, expect.stringMatching(/has no node routes: nodes and fences live in `swarmvol controller`/)]);
    const move = await swarmvol(["move", "data", "--to", "node2"], env);
    expect([move.code, move.err]).toEqual([3, expect.stringMatching(/moves nothing: one host has nowhere to move to, moves live in `swarmvol controller`/)]);
  });

  it("--help of every command has its usage and examples; version answers", async () => {
    for (const command of ["ls", "inspect", "nodes", "fence", "unfence", "status", "events", "move", "resize", "snapshot", "snapshots", "token", "healthcheck", "agent", "controller", "all-in-one"]) {
      const help = await swarmvol([command, "--help"], {});
      expect([command, help.code, help.out]).toEqual([command, 0, expect.stringMatching(new RegExp(`^usage: swarmvol ${command}[\\s\\S]*examples?:\\n {2}\\S`))]);
    }
    expect((await swarmvol(["help", "move"], {})).out).toMatch(/^usage: swarmvol move NAME --to NODE/);
    expect((await swarmvol(["version"], {})).out).toBe("swarmvol 0.1.0\n");
  });
});

describe.skipIf(!built)("the built swarmvol move against a leader", binaryCase, () => {
  let world: MoveWorld;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    world = await startMoveWorld();
    world.tasks = [];
    env = { SWARMVOL_CONTROLLER: world.base, SWARMVOL_TOKEN: moveSecret };
  });
  afterAll(async () => world.stop());

  it("follows an idle volume's move phase by phase while the leader makes it, and exits 0 once it is there", async () => {
    const run = await swarmvol(["move", "db", "--to", "host-n2"], env, async () => {
      await until(() => world.controller.holds.standing > 0);
      await world.reconcile();
    });
    expect([run.code, run.err]).toEqual([0, ""]);
    expect(run.out).toMatch(/^moving db from n1 to host-n2 \(n2\)[\s\S]*t4 detached +\+[\d.]+s\n[\s\S]*t5 attached[\s\S]*granted to host-n2 at epoch 2\ndb is on host-n2: attached and granted there/);
  });

  it("--json prints NDJSON as the move happens: the request before the leader moves anything, each phase, the result last", async () => {
    const run = await swarmvol(["move", "db", "--to", "host-n3", "--json"], env, async (printed) => {
      await until(() => printed().includes("\n"));
      expect(JSON.parse(printed())).toMatchObject({ phase: "requested", volume: "db", toNode: "n3" });
      await world.reconcile();
    });
    expect([run.code, run.err]).toEqual([0, ""]);
    const lines = run.out.trimEnd().split("\n").map((line) => JSON.parse(line) as { phase: string; seconds: number; state?: string });
    expect(lines.map((line) => line.phase)).toEqual(["requested", "t2_seen", "t3_fenced", "t4_detached", "t5_attached", "granted", "result"]);
    expect(lines.every((line, index) => typeof line.seconds === "number" && line.seconds >= (lines[index - 1]?.seconds ?? 0))).toBe(true);
    expect(lines.at(-1)).toMatchObject({ volume: "db", toNode: "n3", state: "arrived", grantedTo: "n3" });
  });

  it("a volume a task uses elsewhere is refused with the fix (exit 5)", async () => {
    world.tasks = [{ id: "t5", version: 1, serviceId: "s1", serviceName: "web", slot: 1, nodeId: "n2", desiredState: "running", state: "running", volumes: [{ source: "db", driver: "swarmvol", target: "/d", readOnly: false, options: {} }], updatedAt: "2026-11-22T10:00:00.000Z" }];
    const run = await swarmvol(["move", "db", "--to", "n3"], env);
    expect(run.code).toBe(5);
    expect(run.err).toMatch(/`docker service update --constraint-add node.hostname==host-n3 web`.*`swarmvol move db --to host-n3 --with-service`/);
  });
});
