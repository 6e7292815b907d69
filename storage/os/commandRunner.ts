import { spawn, type ChildProcess } from "node:child_process";
import { realTimers } from "../../core/clock.js";
import { timeout as timeoutError, unavailable } from "../../core/errors.js";
import type { CommandResult, CommandRunner, Timers } from "../../core/ports.js";

/**
 * Where the daemons find mount, losetup, e2fsck, mkfs and the like: the system's own
 * directories, whatever PATH the daemon was started with (a writable directory early in an
 * inherited PATH would otherwise choose what runs as root on every Mount).
 */
export const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** A program that gives no sign of life is killed after this unless the call sets its own. */
const defaultTimeoutMs = 300_000;

/** Output kept per stream when not told otherwise: swarmvol's tools print a few lines. */
export const defaultMaxOutputBytes = 1024 * 1024;

export interface ProcessRunnerOptions {
  /** PATH the programs are looked up in and run with. @default the caller's PATH (lab and tools); the daemons pass SYSTEM_PATH */
  path?: string;
  /** Bytes of stdout and of stderr kept; the rest is read and dropped. @default defaultMaxOutputBytes */
  maxOutputBytes?: number;
  /** Where the deadlines are armed. @default realTimers */
  timers?: Timers;
}

/**
 * Runs programs with spawn (no shell), capturing output; a non-zero exit is a result.
 *
 * Bounded: every run has a deadline (`timeoutMs`, 5 min unless the call sets one). At the
 * deadline the program's whole process group gets SIGKILL and the run fails TIMEOUT at
 * once, without waiting for the program to exit: a mount stuck in the kernel (state D)
 * ignores SIGKILL, and a helper it started may hold the output pipes open for ever. Output
 * is kept up to `maxOutputBytes` per stream.
 */
export class ProcessRunner implements CommandRunner {
  private readonly maxOutputBytes: number;
  private readonly timers: Timers;

  constructor(private readonly runnerOptions: ProcessRunnerOptions = {}) {
    this.maxOutputBytes = runnerOptions.maxOutputBytes ?? defaultMaxOutputBytes;
    this.timers = runnerOptions.timers ?? realTimers;
  }

  run(program: string, args: readonly string[], options: { timeoutMs?: number; input?: string } = {}): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    const env = { ...process.env, LC_ALL: "C", ...(this.runnerOptions.path === undefined ? {} : { PATH: this.runnerOptions.path }) };
    return new Promise((resolve, reject) => {
      // Its own process group, so the deadline's kill reaches the helpers it starts too.
      const child = spawn(program, args, { stdio: ["pipe", "pipe", "pipe"], env, detached: true });
      const stdout = new Capped(this.maxOutputBytes);
      const stderr = new Capped(this.maxOutputBytes);
      const timer = this.timers.set(() => {
        killGroup(child);
        reject(timeoutError(`${program} ${args.join(" ")} did not finish within ${timeoutMs} ms`, { program }));
      }, timeoutMs);
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.on("error", (err) => {
        this.timers.clear(timer);
        reject(unavailable(`cannot run ${program}: ${err.message}; install it (see README)`, { program }, err));
      });
      child.on("close", (code) => {
        this.timers.clear(timer);
        resolve({ code: code ?? -1, stdout: stdout.text(), stderr: stderr.text() });
      });
      // A program that exits without reading its input closes the pipe: not our failure.
      child.stdin.on("error", () => undefined);
      child.stdin.end(options.input ?? "");
    });
  }
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

/** The first `max` bytes of a stream. */
class Capped {
  private readonly chunks: Buffer[] = [];
  private kept = 0;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    if (this.kept >= this.max) return;
    const part = chunk.length <= this.max - this.kept ? chunk : chunk.subarray(0, this.max - this.kept);
    this.chunks.push(part);
    this.kept += part.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}
