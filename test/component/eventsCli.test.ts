import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventRoutes } from "../../api/eventRoutes.js";
import { EventStreams } from "../../api/eventStream.js";
import { Credentials } from "../../api/credentials.js";
import { ApiServer } from "../../api/server.js";
import { eventsCommand, type EventsIo } from "../../cli/eventsCommand.js";
import { MemoryEventLog } from "../../controller/events/eventLog.js";
import type { NewEvent, SwarmvolEvent } from "../../core/events.js";
import { silentLogger } from "../../core/ports.js";
import { ManualTime } from "../fakes/fakeSwarm.js";
import { untilTrue } from "../support/sseClient.js";

/**
 * `swarmvol events` in-process against real ApiServers on loopback, each a controller
 * replica reduced to its event log and a leadership flag the test flips.
 */
const token = "s3cret";
let time: ManualTime;

interface Replica {
  url: string;
  log: MemoryEventLog;
  server: ApiServer;
  leading: boolean;
  leaderUrl: string | undefined;
}
let replicas: Replica[];

async function replica(term: number, leading: boolean): Promise<Replica> {
  const log = new MemoryEventLog({ now: () => time.now(), term });
  const entry = { log, leading, leaderUrl: undefined, url: "" } as unknown as Replica;
  const streams = new EventStreams({ log, timers: time, logger: silentLogger });
  entry.server = new ApiServer({
    routes: eventRoutes(log, streams), logger: silentLogger, credentials: new Credentials(token),
    leadership: { isLeader: () => entry.leading, leaderUrl: () => (entry.leading ? entry.url : entry.leaderUrl) },
  });
  entry.url = `http://127.0.0.1:${await entry.server.listen("127.0.0.1", 0)}`;
  replicas.push(entry);
  return entry;
}

beforeEach(() => {
  time = new ManualTime();
  replicas = [];
});
afterEach(async () => {
  await Promise.all(replicas.map((entry) => entry.server.close()));
});

const event = (type: NewEvent["type"], volume: string | undefined, node: string | undefined, message: string): NewEvent =>
  ({ type, ...(volume ? { volume } : {}), ...(node ? { node } : {}), data: {}, message });

/** A CLI run whose output can be awaited line by line and whose reconnect pauses the test releases. */
function cli(controllers: readonly Replica[]) {
  const out: string[] = [];
  const err: string[] = [];
  const stop = new AbortController();
  const wake: Array<() => void> = [];
  const changed = () => {
    for (const resolve of wake.splice(0)) resolve();
  };
  const pauses: Array<() => void> = [];
  const io: EventsIo = {
    env: { SWARMVOL_TOKEN: token, SWARMVOL_CONTROLLER: controllers.map((entry) => entry.url).join(",") },
    out: (text) => (out.push(text), changed()),
    err: (text) => (err.push(text), changed()),
    now: () => time.now(),
    signal: stop.signal,
    sleep: () => new Promise<void>((resolve) => (pauses.push(resolve), changed())),
  };
  return {
    io, stop: () => stop.abort(),
    text: () => out.join(""),
    errors: () => err.join(""),
    lines: () => out.join("").split("\n").filter((line) => line !== ""),
    /** Lets the CLI's next reconnect go on. */
    release: () => pauses.shift()?.(),
    async until(test: () => boolean): Promise<void> {
      while (!test()) await new Promise<void>((resolve) => wake.push(resolve));
    },
    pausedCount: () => pauses.length,
  };
}

const jsonIds = (lines: string[]) => lines.map((line) => (JSON.parse(line) as SwarmvolEvent).id);

describe("swarmvol events", () => {
  it("prints the newest events as TIME TYPE VOLUME NODE MESSAGE lines, and JSON lines with --json", async () => {
    const leader = await replica(4, true);
    leader.log.record(event("volume.created", "db", undefined, "volume db recorded"));
    time.current += 1500;
    leader.log.record(event("move.done", "db", "n2", "move n1 -> n2 done in 4.00s"));
    const human = cli([leader]);
    expect(await eventsCommand([], human.io)).toBe(0);
    expect(human.lines()).toEqual([
      "TIME                  TYPE               VOLUME            NODE          MESSAGE",
      "2026-11-22T10:00:00Z  volume.created     db                -             volume db recorded",
      "2026-11-22T10:00:01Z  move.done          db                n2            move n1 -> n2 done in 4.00s",
    ]);
    const scripted = cli([leader]);
    expect(await eventsCommand(["--json"], scripted.io)).toBe(0);
    expect(scripted.lines().map((line) => JSON.parse(line) as SwarmvolEvent)).toEqual([
      expect.objectContaining({ id: "4-1", type: "volume.created", volume: "db" }),
      expect.objectContaining({ id: "4-2", type: "move.done", node: "n2", time: "2026-11-22T10:00:01.500Z" }),
    ]);
  });

  it("takes --since as an id or a duration, and --volume", async () => {
    const leader = await replica(4, true);
    for (const volume of ["db", "web", "db"]) {
      leader.log.record(event("volume.created", volume, undefined, `volume ${volume} recorded`));
      time.current += 60_000;
    }
    const afterId = cli([leader]);
    await eventsCommand(["--since", "4-1", "--json"], afterId.io);
    expect(jsonIds(afterId.lines())).toEqual(["4-2", "4-3"]);
    const recent = cli([leader]);
    await eventsCommand(["--since=90s", "--volume", "db", "--json"], recent.io);
    expect(jsonIds(recent.lines())).toEqual(["4-3"]);
    const none = cli([leader]);
    await eventsCommand(["--volume", "other"], none.io);
    expect(none.text()).toBe("no events match; the leader keeps its newest events in memory, from when it took over\n");
    const bad = cli([leader]);
    expect(await eventsCommand(["--since", "yesterday"], bad.io)).toBe(2);
    expect(bad.errors()).toContain("neither an event id");
  });

  it("prints --help with an example", async () => {
    const run = cli([]);
    expect(await eventsCommand(["--help"], run.io)).toBe(0);
    expect(run.text()).toContain("usage: swarmvol events [-f|--follow]");
    expect(run.text()).toContain("swarmvol events -f --json");
  });

  it("-f reconnects after a dropped connection and resumes after the last event printed: none lost, none twice", async () => {
    const leader = await replica(4, true);
    leader.log.record(event("volume.created", "db", undefined, "one"));
    const run = cli([leader]);
    const done = eventsCommand(["-f", "--json"], run.io);
    await run.until(() => run.lines().length === 1);
    leader.log.record(event("volume.placed", "db", "n1", "two"));
    await run.until(() => run.lines().length === 2);
    leader.server.server.closeAllConnections();
    await run.until(() => run.pausedCount() === 1);
    leader.log.record(event("move.phase", "db", "n2", "three"));
    leader.log.record(event("move.done", "db", "n2", "four"));
    run.release();
    await run.until(() => run.lines().length === 4);
    leader.log.record(event("condition.changed", "db", "n2", "five"));
    await run.until(() => run.lines().length === 5);
    run.stop();
    expect(await done).toBe(0);
    expect(jsonIds(run.lines())).toEqual(["4-1", "4-2", "4-3", "4-4", "4-5"]);
    expect(run.errors()).toContain("event stream interrupted");
  });

  it("-f follows a change of leader to the replica the standby names, with a gap line for the old term", async () => {
    const first = await replica(4, true);
    const second = await replica(5, false);
    second.leaderUrl = first.url;
    first.log.record(event("volume.created", "db", undefined, "old leader"));
    const run = cli([first, second]);
    const done = eventsCommand(["-f", "--json"], run.io);
    await run.until(() => run.lines().length === 1);
    await untilTrue(() => first.log.listenerCount === 1);
    first.leading = false;
    first.leaderUrl = second.url;
    second.leading = true;
    second.log.record(event("leader.changed", undefined, undefined, "new leader"));
    first.log.endTerm();
    await run.until(() => run.pausedCount() === 1);
    run.release();
    await run.until(() => run.lines().length === 3);
    second.log.record(event("volume.placed", "db", "n3", "placed by the new leader"));
    await run.until(() => run.lines().length === 4);
    run.stop();
    expect(await done).toBe(0);
    const printed = run.lines().map((line) => JSON.parse(line) as SwarmvolEvent).map((entry) => `${entry.type} ${entry.id}`);
    expect(printed).toEqual(["volume.created 4-1", "stream.gap 4-1", "leader.changed 5-1", "volume.placed 5-2"]);
    expect(run.errors()).toContain("stopped leading");
  });
});
