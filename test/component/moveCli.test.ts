import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { moveCommand, movePollMs, type MoveIo } from "../../cli/moveCommand.js";
import { moveSecret, startMoveWorld, task, type MoveWorld } from "../support/moveWorld.js";

/**
 * `swarmvol move` in-process against a leader (test/support/moveWorld.ts). The CLI's pause
 * between two asks is where the test plays the world on: each `sleep` runs the next step
 * (Swarm, an agent, a reconcile) and advances the clock, so the run is deterministic.
 */
let world: MoveWorld;

beforeEach(async () => {
  world = await startMoveWorld();
});
afterEach(async () => world.stop());

async function move(argv: string[], steps: Array<() => Promise<unknown> | unknown> = []) {
  const out: string[] = [];
  const err: string[] = [];
  const pending = [...steps];
  const io: MoveIo = {
    env: { SWARMVOL_TOKEN: moveSecret, SWARMVOL_CONTROLLER: world.base },
    out: (text) => void out.push(text), err: (text) => void err.push(text), now: () => world.clock.now(),
    signal: new AbortController().signal,
    sleep: async (ms) => {
      world.clock.current += ms;
      await pending.shift()?.();
    },
  };
  const code = await moveCommand(argv, io);
  return { code, out: out.join(""), err: err.join(""), stepsLeft: pending.length };
}

describe("swarmvol move: an idle volume", () => {
  beforeEach(() => void (world.tasks = []));

  it("moves now and prints each phase as it happens, then where the volume is", async () => {
    const run = await move(["db", "--to", "host-n2"], [() => world.reconcile()]);
    expect([run.code, run.err, run.stepsLeft]).toEqual([0, "", 0]);
    const lines = run.out.split("\n");
    expect(lines[0]).toMatch(/^moving db from n1 to host-n2 \(n2\), move \w+; held there until \S+Z$/);
    expect(lines.slice(1, 6).map((line) => line.trim().split(/ +\+/)[0])).toEqual(["t2 seen", "t3 fenced", "t4 detached", "t5 attached", "granted to host-n2 at epoch 2"]);
    expect(run.out).toMatch(/db is on host-n2: attached and granted there/);
    expect(world.record().status.grantedTo?.nodeId).toBe("n2");
  });

  it("--json prints one object per phase as it happens (NDJSON), the last the move as the API answers it", async () => {
    const json = await move(["db", "--to", "n2", "--json"], [() => world.reconcile()]);
    expect([json.code, json.err]).toEqual([0, ""]);
    expect(json.out.endsWith("\n")).toBe(true);
    const lines = json.out.trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.phase)).toEqual(["requested", "t2_seen", "t3_fenced", "t4_detached", "t5_attached", "granted", "result"]);
    expect(lines.every((line) => typeof line.seconds === "number")).toBe(true);
    // seconds since the CLI asked: the first ask answered at once, the phases seen after one pause of the CLI.
    expect(lines.map((line) => line.seconds)).toEqual([0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(lines[0]).toMatchObject({ volume: "db", toNode: "n2", toHostname: "host-n2", fromNode: "n1" });
    expect(lines[3]).toMatchObject({ phase: "t4_detached", volume: "db", move: lines[0]?.move, afterT2: 0, at: expect.stringMatching(/Z$/) });
    expect(lines[5]).toMatchObject({ node: "n2", hostname: "host-n2", epoch: 2 });
    expect(lines[6]).toMatchObject({ volume: "db", id: lines[0]?.move, toNode: "n2", state: "arrived", grantedTo: "n2" });
  });

  it("--no-wait does not follow the move; with --json it prints the request and the move as started", async () => {
    const started = await move(["db", "--to", "n3", "--no-wait"], [() => world.reconcile()]);
    expect([started.code, started.stepsLeft]).toEqual([0, 1]);
    expect(started.out).toMatch(/^moving db from n1 to host-n3 \(n3\), move \w+; held there until \S+Z\n$/);
    const json = await move(["db", "--to", "n2", "--no-wait", "--json"], [() => world.reconcile()]);
    expect(json.out.trimEnd().split("\n").map((line) => JSON.parse(line))).toMatchObject([{ phase: "requested" }, { phase: "result", state: "moving" }]);
  });

  it("--json that gives up prints the move as it stood last, then the error on stderr", async () => {
    const run = await move(["db", "--to", "n2", "--timeout", "1s", "--json"]);
    expect(run.code).toBe(8);
    const lines = run.out.trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(lines.at(-1)).toMatchObject({ phase: "result", seconds: 1, state: "moving" });
    expect(run.err).toMatch(/db is not on host-n2 after 1 s/);
  });

  it("a workload elsewhere takes it first: exit 5, saying the move was given up and where the volume is", async () => {
    const run = await move(["db", "--to", "n2"], [() => void (world.tasks = [task("t9", "n3")]), () => world.reconcile()]);
    expect(run.code).toBe(5);
    expect(run.err).toMatch(/the move of db to host-n2 was given up before the volume got there \(Swarm task t9 on node n3 wants the volume there.*`swarmvol inspect db`/);
  });

  it("not there within --timeout: exit 8 naming how to follow it again (the move goes on)", async () => {
    const run = await move(["db", "--to", "n2", "--timeout", "1s"]);
    expect(run.code).toBe(8);
    expect(run.err).toMatch(/db is not on host-n2 after 1 s \(moving\).*`swarmvol move db --to host-n2` follows it again/);
    expect(world.controller.holds.standing).toBe(1);
  });

  it("through a change of leader: the new leader answers 503 while it restores the move, the CLI asks again and follows it to the end", async () => {
    let restoring = 0;
    const run = await move(["db", "--to", "n2"], [
      async () => {
        const next = world.newTerm();
        world.controller = next;
        for (const id of ["n1", "n2", "n3"]) await world.heartbeat(id);
        // Still restoring at the CLI's next ask (503, which the client asks again after a pause); restored by then.
        const answer = next.moves.get.bind(next.moves);
        next.moves.get = (volume) => {
          restoring += 1;
          next.moves.get = answer;
          void next.holds.restore(() => true);
          return answer(volume);
        };
      },
      () => world.reconcile(),
    ]);
    expect([run.code, run.err, run.stepsLeft, restoring]).toEqual([0, "", 0, 1]);
    expect(run.out).toMatch(/t4 detached[\s\S]*granted to host-n2 at epoch 2\ndb is on host-n2: attached and granted there/);
  });

  it("a new leader that found no record of the move: exit 8 naming the fix", async () => {
    const run = await move(["db", "--to", "n2"], [async () => {
      const [hold] = await world.store.listMoveHolds();
      await world.store.removeMoveHold("db", hold?.id ?? "");
      world.controller = world.newTerm();
      await world.controller.holds.restore(() => true);
    }]);
    expect(run.code).toBe(8);
    expect(run.err).toMatch(/no longer knows the move of db \(a new leader found no record of it.*`swarmvol move db --to host-n2` asks again/);
  });
});

describe("swarmvol move: a volume a task uses", () => {
  it("is refused with the service update to run (exit 5); --with-service re-pins the service and follows the task until mounted", async () => {
    world.services.add("s1", "web", ["node.hostname==host-n1"]);
    await world.heartbeat("n1", ["db"]);
    const refused = await move(["db", "--to", "n2"]);
    expect(refused.code).toBe(5);
    expect(refused.err).toContain("`docker service update --constraint-rm node.hostname==host-n1 --constraint-add node.hostname==host-n2 web`");
    const run = await move(["db", "--to", "n2", "--with-service"], [
      async () => {
        world.tasks = [task("t0", "n1", { desiredState: "shutdown" })];
        world.controller.service.release("db", "n1");
        await world.heartbeat("n1");
        await world.reconcile();
      },
      async () => {
        world.tasks = [task("t1", "n2")];
        await world.heartbeat("n2", ["db"]);
      },
    ]);
    expect([run.code, run.err]).toEqual([0, ""]);
    expect(run.out).toContain("service web re-pinned: node.hostname==host-n2 (was node.hostname==host-n1)");
    expect(run.out).toMatch(/t5 attached[\s\S]*granted to host-n2[\s\S]*t7 mounted[\s\S]*db is on host-n2: attached, granted and mounted there/);
    expect(world.services.services.get("s1")?.constraints).toEqual(["node.hostname==host-n2"]);
  });
});

describe("swarmvol move: usage", () => {
  it.each<[string[], number, RegExp]>([
    [["db"], 2, /missing --to NODE; usage: swarmvol move NAME --to NODE/],
    [["--to", "n2"], 2, /missing NAME; usage: swarmvol move NAME --to NODE/],
    [["db", "--to", "n2", "--timeout", "soon"], 2, /--timeout "soon" is not a duration/],
    [["db", "--to", "n9"], 3, /no node "n9" known to the controller/],
    [["nope", "--to", "n2"], 3, /no such volume "nope"/],
  ])("swarmvol move %j exits %i", async (argv, code, message) => {
    const run = await move(argv);
    expect(run.code).toBe(code);
    expect(run.err).toMatch(message);
  });

  it("--help has the usage and examples, and needs no token", async () => {
    const run = await move(["--help"]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^usage: swarmvol move NAME --to NODE \[--with-service\] \[--no-wait\][\s\S]*examples:\n {2}swarmvol move jenkins_home --to node2\n/);
    expect(movePollMs).toBe(500);
  });
});
