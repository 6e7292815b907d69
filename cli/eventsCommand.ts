/**
 * `swarmvol events [-f] [--since ID|DURATION] [--volume NAME] [--json]`: the leader's event
 * history (api/contract.ts `GET /v1/events`), and with `-f` its live stream.
 *
 * Following survives a dropped connection and a change of leader: each reconnect first
 * asks the replicas for the history after the last id it printed (the failover client
 * finds the leader through standbys' hints and pages what was missed), then streams from
 * there. An event is printed only when its id is after the last one printed, so a replay
 * never prints one twice; a new leader's log starts with a `stream.gap` line saying that
 * events of the old term after that id may be missing. It stops on SIGINT/SIGTERM (exit
 * 0) or on an error retrying cannot fix (bad token, bad flag), with cli/exitCodes.ts codes.
 */
import { loadOperatorConfig } from "../core/clusterConfig.js";
import { invalidArgument, SwarmvolError } from "../core/errors.js";
import { compareEventIds, parseEventId, type EventId, type SwarmvolEvent } from "../core/events.js";
import { parseDuration } from "../core/units.js";
import { validateVolumeName } from "../core/volume.js";
import { maxEventLimit } from "../api/contract.js";
import { OperatorClient, type EventHistoryQuery, type OperatorApi } from "../api/client/operatorClient.js";
import { controllerArgs, documented, operatorEnv, operatorUsageTail, rootFor, runParsed, SwarmvolCommand, withOperatorOptions, type OperatorFlags } from "./commandLine.js";
import { reportFailure } from "./exitCodes.js";
import { eventsHeader, renderEvent, renderEventJson } from "./eventsRender.js";
import { processFollowingIo, type FollowingIo } from "./followingIo.js";
import { withTokenFile } from "./runtime.js";

/** The io of `swarmvol events` (cli/followingIo.ts; a closed stdout ends `-f` too). */
export type EventsIo = FollowingIo;

const eventsUsageTail = `[-f|--follow] [--since ID|DURATION] [--volume NAME] ${operatorUsageTail}`;
export const eventsUsage = `swarmvol events ${eventsUsageTail}`;

const details = `Prints what the controller did: volumes created and granted, each phase of a move
(t2 seen .. t7 mounted) and its end, conditions, node lapses and fences, leader changes.
One line per event (TIME TYPE VOLUME NODE MESSAGE); --json prints each event's JSON on
its own line. Without --since: the newest 100 events. --since takes an event id (print
what came after it) or a duration like 90s, 10m, 2h (events of that last stretch).
-f keeps following the live stream; it reconnects by itself when the connection drops or
the leader changes and resumes after the last event printed, so none is printed twice.
The log is in the leader's memory: a "stream.gap" line says events may be missing
(another leader's term, or older than the log holds).`;

interface EventsFlags extends OperatorFlags {
  follow?: boolean;
  since?: string;
  volume?: string;
}

/** Stops growing the pause between reconnects here. */
const maxReconnectDelayMs = 5000;

/** The history query of the parsed flags, `--since` read against `now`. */
export function eventsQuery(flags: EventsFlags, now: number): EventHistoryQuery {
  return { ...(flags.since === undefined ? {} : sinceOf(flags.since, now)), ...(flags.volume === undefined ? {} : { volume: validateVolumeName(flags.volume) }) };
}

function sinceOf(text: string, now: number): EventHistoryQuery {
  if (/^\d+-\d+$/.test(text)) return { since: text, limit: maxEventLimit };
  const ms = parseDuration(text);
  if (ms === undefined) throw invalidArgument(`--since ${JSON.stringify(text.slice(0, 40))} is neither an event id (like 7-42) nor a duration (like 90s, 10m, 2h)`);
  return { sinceTime: new Date(now - ms).toISOString(), limit: maxEventLimit };
}

/** Prints each event once: a gap marker always, any other only after the last one printed. */
class EventPrinter {
  private last: EventId | undefined;
  private headed = false;

  constructor(private readonly io: EventsIo, private readonly json: boolean) {}

  /** Whether any line was printed. */
  get printed(): boolean {
    return this.headed;
  }

  print(event: SwarmvolEvent): void {
    if (event.type !== "stream.gap") {
      const id = parseEventId(event.id);
      if (this.last && compareEventIds(id, this.last) <= 0) return;
      this.last = id;
    }
    if (!this.json && !this.headed) this.io.out(eventsHeader());
    this.headed = true;
    this.io.out(this.json ? renderEventJson(event) : renderEvent(event));
  }
}

/** Every page of history the query matches; resolves to where a stream should resume. */
async function printHistory(api: OperatorApi, query: EventHistoryQuery, printer: EventPrinter, signal: AbortSignal): Promise<string> {
  let page = await api.events(query, { signal });
  for (;;) {
    for (const event of page.events) printer.print(event);
    if (!page.more) return page.next;
    page = await api.events({ since: page.next, limit: maxEventLimit, ...(query.volume ? { volume: query.volume } : {}) }, { signal });
  }
}

/** An error only a person can fix ends `-f`; a dropped connection or a takeover does not. */
function fatal(err: unknown): boolean {
  return err instanceof SwarmvolError && !err.retryable;
}

async function follow(api: OperatorApi, from: string, volume: string | undefined, printer: EventPrinter, io: EventsIo): Promise<void> {
  let cursor = from;
  let failures = 0;
  while (!io.signal.aborted) {
    let reason = "the controller closed the stream";
    try {
      for await (const item of api.streamEvents({ since: cursor, ...(volume ? { volume } : {}) }, { signal: io.signal })) {
        failures = 0;
        if (item.kind === "closing") {
          reason = item.message;
          break;
        }
        printer.print(item.event);
        if (item.event.type !== "stream.gap") cursor = item.event.id;
      }
    } catch (err) {
      if (io.signal.aborted) return;
      if (fatal(err)) throw err;
      reason = err instanceof Error ? err.message : String(err);
    }
    if (io.signal.aborted) return;
    io.err(`swarmvol: event stream interrupted (${reason}); resuming after ${cursor}\n`);
    await io.sleep(Math.min(maxReconnectDelayMs, 250 * 2 ** failures), io.signal).catch(() => undefined);
    failures += 1;
    try {
      cursor = await printHistory(api, { since: cursor, limit: maxEventLimit, ...(volume ? { volume } : {}) }, printer, io.signal);
    } catch (err) {
      if (io.signal.aborted) return;
      if (fatal(err)) throw err;
    }
  }
}

/** Runs parsed `swarmvol events`; resolves to its exit code (cli/exitCodes.ts), never rejects. */
async function runEvents(flags: EventsFlags, io: EventsIo): Promise<number> {
  try {
    const query = eventsQuery(flags, io.now());
    const config = loadOperatorConfig(await withTokenFile(operatorEnv(io.env, flags)), controllerArgs(flags));
    const api = new OperatorClient({ endpoints: () => config.controllers, token: config.token });
    const printer = new EventPrinter(io, flags.json === true);
    const next = await printHistory(api, query, printer, io.signal);
    if (flags.follow) await follow(api, next, query.volume, printer, io);
    else if (!printer.printed && !flags.json) io.out("no events match; the leader keeps its newest events in memory, from when it took over\n");
    return 0;
  } catch (err) {
    if (io.signal.aborted) return 0;
    return reportFailure(withHint(err), io.err);
  }
}

/** The commander declaration of `swarmvol events`; its action sets `outcome.code`. */
export function eventsCommandLine(io: EventsIo, outcome: { code: number }): SwarmvolCommand {
  const command = withOperatorOptions(documented(new SwarmvolCommand("events"), {
    summary: "Prints the controller's events, and with -f follows them live.", details, usage: eventsUsageTail,
    examples: ["swarmvol events --volume jenkins_home --since 1h", "swarmvol events -f --json | jq -r 'select(.type == \"move.done\") | .message'"],
  }))
    .option("-f, --follow", "keep following the live stream (reconnects and resumes by itself)")
    .option("--since <ID|DURATION>", "an event id (what came after it) or a duration like 90s, 10m, 2h")
    .option("--volume <NAME>", "only this volume's events");
  command.action(async () => {
    outcome.code = await runEvents(command.opts<EventsFlags>(), io);
  });
  return command;
}

/** Runs `swarmvol events <argv…>`; resolves to its exit code (cli/exitCodes.ts), never rejects. */
export async function eventsCommand(argv: readonly string[], io: EventsIo = processFollowingIo({ endOnClosedStdout: true })): Promise<number> {
  const outcome = { code: 0 };
  return runParsed(rootFor(eventsCommandLine(io, outcome)), ["events", ...argv], io, outcome);
}

function withHint(err: unknown): unknown {
  if (!(err instanceof SwarmvolError) || !err.message.startsWith("no route")) return err;
  return new SwarmvolError(err.code, `${err.message}; an all-in-one (or an older controller) records no events: they live in \`swarmvol controller\``, { ...err.details }, { cause: err });
}

