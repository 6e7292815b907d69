import { afterEach, describe, expect, it } from "vitest";
import type { MoveIo } from "../../cli/moveCommand.js";
import { resizeCommand } from "../../cli/resizeCommand.js";
import { device, GiB, mountOnN1, resizeSecret, startResizeWorld, type ResizeWorld } from "../support/resizeWorld.js";

/**
 * `swarmvol resize` in-process against a leader (test/support/resizeWorld.ts). The CLI's
 * pause between two asks is where the test plays the world on: each `sleep` runs the next
 * step (a reconcile, an agent's heartbeat) and advances the clock.
 */
let world: ResizeWorld;
afterEach(async () => world.stop());

async function resize(argv: string[], steps: Array<() => Promise<unknown> | unknown> = []) {
  const out: string[] = [];
  const err: string[] = [];
  const pending = [...steps];
  const io: MoveIo = {
    env: { SWARMVOL_TOKEN: resizeSecret, SWARMVOL_CONTROLLER: world.base },
    out: (text) => void out.push(text), err: (text) => void err.push(text), now: () => world.clock.now(),
    signal: new AbortController().signal,
    sleep: async (ms) => {
      world.clock.current += ms;
      await pending.shift()?.();
    },
  };
  const code = await resizeCommand(argv, io);
  return { code, out: out.join(""), err: err.join(""), stepsLeft: pending.length };
}

describe("swarmvol resize", () => {
  it("--wait follows a mounted volume's resize phase by phase until its filesystem fills the grown volume", async () => {
    world = await startResizeWorld();
    await mountOnN1(world);
    const run = await resize(["db", "30", "--wait"], [
      () => world.reconcile(),
      () => {
        world.grower.devices.set(device, 30 * GiB);
        return world.heartbeat(true);
      },
      async () => {
        await world.heartbeat(true);
        await world.reconcile();
      },
    ]);
    expect([run.code, run.err, run.stepsLeft]).toEqual([0, "", 0]);
    expect(run.out.split("\n")).toEqual([
      "resizing db to 30GiB",
      "  cloud      the cloud volume grows to 30GiB (now 20GiB)",
      "  filesystem the cloud volume is 30GiB; the node that mounts it grows its filesystem",
      "  done       done: 30GiB, filesystem 29.4GiB (grown on n1)",
      "db is resized: done: 30GiB, filesystem 29.4GiB (grown on n1)",
      "",
    ]);
  });

  it("without --wait prints where the resize stands; --json prints the API's object", async () => {
    world = await startResizeWorld();
    const started = await resize(["db", "25GiB"], [() => world.reconcile()]);
    expect([started.code, started.stepsLeft]).toEqual([0, 1]);
    expect(started.out).toBe("resizing db to 25GiB\n  cloud      the cloud volume grows to 25GiB (now 20GiB)\n");
    const json = await resize(["db", "25", "--json"]);
    expect(JSON.parse(json.out)).toMatchObject({ volume: "db", resize: { wantedBytes: 25 * GiB, phase: "cloud" }, progress: { resize: "/v1/volumes/db/resize" } });
  });

  it("--wait ends once nobody mounts it and the cloud volume grew: the filesystem grows at its next mount", async () => {
    world = await startResizeWorld();
    const run = await resize(["db", "30", "--wait"], [() => world.reconcile()]);
    expect([run.code, run.err]).toEqual([0, ""]);
    expect(run.out).toMatch(/mount +the cloud volume is 30GiB; its filesystem grows at its next mount[\s\S]*db: the cloud volume is grown; its filesystem grows when it is next mounted/);
  });

  it.each<[string, string[], number, RegExp]>([
    ["a shrink", ["db", "10"], 2, /volumes only grow: give a size of at least 20GiB \(`swarmvol resize db 20GiB`\)/],
    ["an unknown volume", ["nope", "30"], 3, /no such volume "nope"/],
    ["a size that is not one", ["db", "lots"], 2, /invalid size "lots"/],
    ["a missing size", ["db"], 2, /missing SIZE; usage: swarmvol resize NAME SIZE/],
    ["a bad timeout", ["db", "30", "--wait", "--timeout", "soon"], 2, /--timeout "soon" is not a duration/],
  ])("%s: the exit code says which, the message the fix", async (_what, argv, code, message) => {
    world = await startResizeWorld();
    const run = await resize(argv);
    expect([run.code, run.err]).toEqual([code, expect.stringMatching(message)]);
    expect(world.record().spec.sizeBytes).toBe(20 * GiB);
  });

  it("--wait gives up at --timeout with exit 8 naming how to follow it again (the controller goes on)", async () => {
    world = await startResizeWorld();
    world.resize.modifyingCalls = 100;
    const run = await resize(["db", "30", "--wait", "--timeout", "3s"], [() => world.reconcile(), () => world.reconcile(), () => world.reconcile()]);
    expect(run.code).toBe(8);
    expect(run.err).toMatch(/db is not resized after 3 s \(cloud: .*`swarmvol resize db 30GiB --wait` follows it again/);
  });

  it("--help shows the usage, what it does and examples", async () => {
    world = await startResizeWorld();
    const help = await resize(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: swarmvol resize NAME SIZE \[--wait\] \[--timeout DURATION\]/);
    expect(help.out).toContain("Volumes only grow");
    expect(help.out).toContain("examples:\n  swarmvol resize pgdata 30 --wait");
  });
});
