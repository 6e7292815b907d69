/**
 * `swarmvol move NAME --to NODE [--with-service] [--no-wait] [--timeout DURATION]`: asks
 * the controller to move a volume (api/moveContract.ts, ADR 0023), then follows the move
 * by asking for it every half second and prints each phase as it happens (t2 seen .. t7
 * mounted), the conditions it waits on and the grant. It ends when the volume is
 * attached and granted on the target (with `--with-service`: also mounted there by the
 * service's new task), or with an error and its exit code (cli/exitCodes.ts): 3 no such
 * volume or node, 5 refused (a task uses it elsewhere: the message names the `docker
 * service update` to run, or --with-service) or the move was given up for a workload
 * elsewhere, 8 not there within `--timeout` or the new leader knows no such move, 2 bad
 * usage. A change of leader on the way is followed through: the new leader restores the
 * move from Swarm's store (ADR 0023), and the CLI asks again until it answers. `--json`
 * prints NDJSON, one object per phase as it happens, the last the result (cli/moveRender.ts).
 */
import { conflict, ErrorCode, invalidArgument, isSwarmvolError, SwarmvolError, timeout, toSwarmvolError, unavailable } from "../core/errors.js";
import { parseDuration } from "../core/units.js";
import { validateVolumeName } from "../core/volume.js";
import type { MoveView } from "../api/moveContract.js";
import { MoveClient, type MoveApi } from "../api/client/moveClient.js";
import { documented, operatorUsageTail, rootFor, runParsed, SwarmvolCommand, withOperatorOptions, type OperatorFlags } from "./commandLine.js";
import { reportFailure } from "./exitCodes.js";
import { humanPrinter, jsonPrinter, MoveProgress, type MovePrinter } from "./moveRender.js";
import { processFollowingIo, type FollowingIo } from "./followingIo.js";
import { operatorSettings } from "./operatorCommands.js";

/** The io of `swarmvol move` (cli/followingIo.ts). */
export type MoveIo = FollowingIo;

interface MoveFlags extends OperatorFlags {
  to: string;
  withService?: boolean;
  /** False with --no-wait. */
  wait: boolean;
  timeout: string;
}

/** How often the move is asked for while it is followed. */
export const movePollMs = 500;

const moveUsageTail = `NAME --to NODE [--with-service] [--no-wait] [--timeout DURATION] ${operatorUsageTail}`;
export const moveUsage = `swarmvol move ${moveUsageTail}`;

const details = `An idle volume (no Swarm task uses it) is detached where it is and attached to NODE now; the
controller then keeps it there for a while (10 minutes) unless a workload takes it over. A volume
a Swarm task uses on another node moves with its service: the controller refuses the move and
names the \`docker service update --constraint-add node.hostname==NODE SERVICE\` that moves the
service (swarmvol then follows the task), or with --with-service makes that update itself.
The move is followed until the volume is attached and granted on NODE (with --with-service:
mounted there by the new task), each phase printed as it happens, through a change of leader.
With --json: one JSON object per line (NDJSON) as each phase happens, each with "phase" and
"seconds" (since the move was asked for); the last line is {"phase": "result", ...the move}.`;

/** Whether the move is over: the volume there (as far as asked), or given up. */
function settled(move: MoveView, withService: boolean): "done" | "abandoned" | undefined {
  if (move.state === "mounted" || (move.state === "arrived" && !withService)) return "done";
  return move.state === "abandoned" ? "abandoned" : undefined;
}

function abandonedError(move: MoveView): SwarmvolError {
  const where = move.grantedTo ? `it stays granted to ${move.grantedTo}` : "it is granted to no node";
  const message = `the move of ${move.volume} to ${move.toHostname} was given up before the volume got there (${move.ended?.message ?? "its hold ended"}); `
    + `${where}: \`swarmvol inspect ${move.volume}\` shows where it is`;
  return move.ended?.reason === "lapsed" ? timeout(message) : conflict(message);
}

/** Follows the move until it settles, `timeoutMs` passes or the signal stops it; prints as `printer` says. */
async function follow(api: MoveApi, started: MoveView, withService: boolean, timeoutMs: number, io: MoveIo, printer: MovePrinter): Promise<MoveView> {
  const progress = new MoveProgress();
  const deadline = io.now() + timeoutMs;
  let move = started;
  for (;;) {
    io.out(printer.changed(move, progress.changes(move)));
    const verdict = settled(move, withService);
    if (verdict === "done") return move;
    if (verdict === "abandoned") {
      io.out(printer.gaveUp(move));
      throw abandonedError(move);
    }
    if (io.now() >= deadline) {
      io.out(printer.gaveUp(move));
      throw timeout(`${move.volume} is not on ${move.toHostname} after ${timeoutMs / 1000} s (${move.state}${move.condition ? `; ${move.condition.reason}: ${move.condition.message}` : ""}); `
        + `the controller goes on until ${move.holdUntil}: \`swarmvol move ${move.volume} --to ${move.toHostname}\` follows it again, \`swarmvol inspect ${move.volume}\` shows it`);
    }
    await io.sleep(movePollMs, io.signal);
    if (io.signal.aborted) return move;
    move = await nextMove(api, move);
  }
}

/**
 * The move as the leader has it now, asking each replica once: none serving for the moment
 * (a change of leader: the new one restores the moves under way from Swarm's store) is
 * asked again at the next round of the follow loop, until --timeout; a leader that does
 * not know the move is NOT_FOUND, naming the fix.
 */
async function nextMove(api: MoveApi, move: MoveView): Promise<MoveView> {
  try {
    return (await api.getMove(move.volume, { untilDeadline: false })).move;
  } catch (err) {
    if (isSwarmvolError(err, ErrorCode.Unavailable)) return move;
    if (!isSwarmvolError(err, ErrorCode.NotFound)) throw err;
    throw unavailable(`the controller no longer knows the move of ${move.volume} (a new leader found no record of it in Swarm's store); `
      + `\`swarmvol inspect ${move.volume}\` shows where the volume is, \`swarmvol move ${move.volume} --to ${move.toHostname}\` asks again`);
  }
}

function withHint(err: unknown): SwarmvolError {
  const domain = toSwarmvolError(err);
  let hint = "";
  if (domain.code === ErrorCode.Unavailable && !domain.message.includes("`swarmvol")) hint = "; `swarmvol status` shows every replica's role";
  if (domain.code === ErrorCode.NotFound && domain.message.startsWith("no route")) hint = "; an all-in-one (or an older controller) moves nothing: one host has nowhere to move to, moves live in `swarmvol controller`";
  return hint === "" ? domain : new SwarmvolError(domain.code, `${domain.message}${hint}`, { ...domain.details }, { cause: domain });
}

/** Runs one parsed `swarmvol move`; resolves to its exit code, never rejects. */
async function runMove(volume: string, flags: MoveFlags, io: MoveIo): Promise<number> {
  try {
    validateVolumeName(volume);
    const timeoutMs = parseDuration(flags.timeout);
    if (timeoutMs === undefined || timeoutMs <= 0) throw invalidArgument(`--timeout ${JSON.stringify(flags.timeout.slice(0, 40))} is not a duration like 90s, 10m or 1h`);
    const config = await operatorSettings(io, flags);
    const api = new MoveClient({ endpoints: () => config.controllers, token: config.token });
    const withService = flags.withService === true;
    const askedAt = io.now();
    const printer = flags.json ? jsonPrinter(() => (io.now() - askedAt) / 1000) : humanPrinter;
    const started = (await api.moveVolume(volume, { to: flags.to, ...(withService ? { withService } : {}) })).move;
    io.out(printer.started(started));
    const move = flags.wait ? await follow(api, started, withService, timeoutMs, io, printer) : started;
    io.out(printer.done(move, flags.wait));
    return 0;
  } catch (err) {
    if (io.signal.aborted) return 0;
    return reportFailure(withHint(err), io.err);
  }
}

/** The commander declaration of `swarmvol move`; its action sets `outcome.code`. */
export function moveCommandLine(io: MoveIo, outcome: { code: number }): SwarmvolCommand {
  const command = withOperatorOptions(documented(new SwarmvolCommand("move"), {
    summary: "Moves a volume to a node and follows the move phase by phase.", details, usage: moveUsageTail,
    examples: [
      "swarmvol move jenkins_home --to node2", "swarmvol move jenkins_home --to node2 --with-service",
      "swarmvol move pgdata --to node3 --json | jq -r '\"\\(.seconds)s \\(.phase)\"'",
      "swarmvol move pgdata --to 4vxkq1x3ngx5k3j6e2m0gtrjc --no-wait --json | tail -n 1 | jq -r .state",
    ],
  }))
    .argument("<NAME>", "the volume's name")
    .requiredOption("--to <NODE>", "the target: a Swarm node id, or a hostname exactly one node has")
    .option("--with-service", "when a Swarm task uses the volume elsewhere: re-pin its service to NODE (node.hostname==NODE) and follow the task")
    .option("--no-wait", "start the move and print it; do not follow it")
    .option("--timeout <DURATION>", "give up following after this long (the move goes on)", "5m");
  command.action(async (volume: string) => {
    outcome.code = await runMove(volume, command.opts<MoveFlags>(), io);
  });
  return command;
}

/** Runs `swarmvol move <argv…>`; resolves to its exit code (cli/exitCodes.ts), never rejects. */
export async function moveCommand(argv: readonly string[], io: MoveIo = processFollowingIo()): Promise<number> {
  const outcome = { code: 0 };
  return runParsed(rootFor(moveCommandLine(io, outcome)), ["move", ...argv], io, outcome);
}

