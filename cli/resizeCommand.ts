/**
 * `swarmvol resize NAME SIZE [--wait] [--timeout DURATION] [--json]`: asks the controller
 * to grow a volume and its filesystem (api/resizeContract.ts, ADR 0026), prints where the
 * resize stands, and with `--wait` follows it (asking every second, printing each change)
 * until the filesystem fills the grown volume, or until it is left to the volume's next
 * mount when nobody mounts it. Exit codes (cli/exitCodes.ts): 2 bad usage, a size below
 * the volume's (the message names the least) or a backend that cannot grow; 3 no such
 * volume; 5 the cloud takes no modification now (one runs, or one per six hours); 8 not
 * done within `--timeout` (the controller goes on) or no replica serves.
 */
import { ErrorCode, SwarmvolError, invalidArgument, timeout, toSwarmvolError } from "../core/errors.js";
import { formatSize, parseDuration, parseSize } from "../core/units.js";
import { validateVolumeName } from "../core/volume.js";
import type { ResizeResponse } from "../api/resizeContract.js";
import { ResizeClient, type ResizeApi } from "../api/client/resizeClient.js";
import { documented, operatorUsageTail, rootFor, runParsed, SwarmvolCommand, withOperatorOptions, type OperatorFlags } from "./commandLine.js";
import { reportFailure } from "./exitCodes.js";
import { processFollowingIo, type FollowingIo } from "./followingIo.js";
import { operatorSettings } from "./operatorCommands.js";

interface ResizeFlags extends OperatorFlags {
  wait?: boolean;
  timeout: string;
}

/** How often a resize is asked for while it is followed. */
export const resizePollMs = 1000;

const resizeUsageTail = `NAME SIZE [--wait] [--timeout DURATION] ${operatorUsageTail}`;
export const resizeUsage = `swarmvol resize ${resizeUsageTail}`;

const details = `SIZE is written as for -o size: a bare number is GiB (30), or with a unit (512GiB, 1TiB); EBS
sizes are whole GiB and round up. Volumes only grow: a smaller size is refused naming the least.
The controller grows the cloud volume (EBS ModifyVolume), then the node that mounts the volume
grows its filesystem while the workload runs (xfs_growfs; resize2fs for ext4, where the kernel
lets it grow online). A volume nobody mounts grows at its next mount. EBS takes one
modification of a volume per six hours.`;

/** One line per state: the phase and what is known of the sizes. */
const line = (answer: ResizeResponse) => `  ${answer.resize.phase.padEnd(10)} ${answer.message}\n`;

/** Whether the resize is as far as the controller can take it now: done, or left to the next mount. */
const settled = (answer: ResizeResponse) => answer.resize.phase === "done" || answer.resize.phase === "mount";

/** Follows the resize until it settles, `timeoutMs` passes or the signal stops it. */
async function follow(api: ResizeApi, started: ResizeResponse, timeoutMs: number, io: FollowingIo, json: boolean): Promise<ResizeResponse> {
  const deadline = io.now() + timeoutMs;
  let answer = started;
  let shown = json ? "" : line(started);
  for (;;) {
    if (settled(answer)) return answer;
    if (io.now() >= deadline) {
      throw timeout(`${answer.volume} is not resized after ${timeoutMs / 1000} s (${answer.resize.phase}: ${answer.message}); the controller goes on: `
        + `\`swarmvol resize ${answer.volume} ${formatSize(answer.resize.wantedBytes)} --wait\` follows it again, \`swarmvol inspect ${answer.volume}\` shows it`);
    }
    await io.sleep(resizePollMs, io.signal);
    if (io.signal.aborted) return answer;
    answer = await api.getResize(answer.volume);
    const next = line(answer);
    if (!json && next !== shown) io.out(next);
    shown = next;
  }
}

function withHint(err: unknown): SwarmvolError {
  const domain = toSwarmvolError(err);
  let hint = "";
  if (domain.code === ErrorCode.Unavailable && !domain.message.includes("`swarmvol")) hint = "; `swarmvol status` shows every replica's role";
  if (domain.code === ErrorCode.NotFound && domain.message.startsWith("no route")) hint = "; this controller is older than resize: upgrade it";
  return hint === "" ? domain : new SwarmvolError(domain.code, `${domain.message}${hint}`, { ...domain.details }, { cause: domain });
}

/** The words after the answer: what happened, or what is left. */
function closing(answer: ResizeResponse): string {
  const { volume, resize } = answer;
  if (resize.phase === "mount") return `${volume}: the cloud volume is grown; its filesystem grows when it is next mounted (nobody mounts it now)\n`;
  return `${volume} is resized: ${answer.message}\n`;
}

/** Runs one parsed `swarmvol resize`; resolves to its exit code, never rejects. */
async function runResize(volume: string, size: string, flags: ResizeFlags, io: FollowingIo): Promise<number> {
  try {
    validateVolumeName(volume);
    parseSize(size);
    const timeoutMs = parseDuration(flags.timeout);
    if (timeoutMs === undefined || timeoutMs <= 0) throw invalidArgument(`--timeout ${JSON.stringify(flags.timeout.slice(0, 40))} is not a duration like 90s, 10m or 1h`);
    const config = await operatorSettings(io, flags);
    const api = new ResizeClient({ endpoints: () => config.controllers, token: config.token });
    const started = await api.resizeVolume(volume, { size });
    if (!flags.json) io.out(`resizing ${volume} to ${formatSize(started.resize.wantedBytes)}\n${line(started)}`);
    const answer = flags.wait ? await follow(api, started, timeoutMs, io, flags.json === true) : started;
    io.out(flags.json ? `${JSON.stringify(answer, null, 2)}\n` : flags.wait ? closing(answer) : "");
    return 0;
  } catch (err) {
    if (io.signal.aborted) return 0;
    return reportFailure(withHint(err), io.err);
  }
}

/** The commander declaration of `swarmvol resize`; its action sets `outcome.code`. */
export function resizeCommandLine(io: FollowingIo, outcome: { code: number }): SwarmvolCommand {
  const command = withOperatorOptions(documented(new SwarmvolCommand("resize"), {
    summary: "Grows a volume and its filesystem, online while it is mounted.", details, usage: resizeUsageTail,
    examples: ["swarmvol resize pgdata 30 --wait", "swarmvol resize jenkins_home 1TiB", "swarmvol resize pgdata 40 --json | jq -r .resize.phase"],
  }))
    .argument("<NAME>", "the volume's name")
    .argument("<SIZE>", "the new size: 30 (GiB), 512GiB, 1TiB")
    .option("--wait", "follow the resize until the filesystem fills the grown volume (or it is left to the next mount)")
    .option("--timeout <DURATION>", "with --wait: give up following after this long (the resize goes on)", "10m");
  command.action(async (volume: string, size: string) => {
    outcome.code = await runResize(volume, size, command.opts<ResizeFlags>(), io);
  });
  return command;
}

/** Runs `swarmvol resize <argv…>`; resolves to its exit code (cli/exitCodes.ts), never rejects. */
export async function resizeCommand(argv: readonly string[], io: FollowingIo = processFollowingIo()): Promise<number> {
  const outcome = { code: 0 };
  return runParsed(rootFor(resizeCommandLine(io, outcome)), ["resize", ...argv], io, outcome);
}

