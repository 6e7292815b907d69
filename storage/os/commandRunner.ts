import { spawn } from "node:child_process";
import { timeout as timeoutError, unavailable } from "../../core/errors.js";
import type { CommandResult, CommandRunner } from "../../core/ports.js";

/**
 * Where the daemons find mount, losetup, e2fsck, mkfs and the like: the system's own
 * directories, whatever PATH the daemon was started with (a writable directory early in an
 * inherited PATH would otherwise choose what runs as root on every Mount).
 */
export const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** A program that gives no sign of life is killed after this unless the call sets its own. */
const defaultTimeoutMs = 300_000;

export interface ProcessRunnerOptions {
  /** PATH the programs are looked up in and run with. @default the caller's PATH (lab and tools); the daemons pass SYSTEM_PATH */
  path?: string;
}

/** Runs programs with spawn (no shell), capturing output; a non-zero exit is a result; every run has a deadline. */
export class ProcessRunner implements CommandRunner {
  constructor(private readonly runnerOptions: ProcessRunnerOptions = {}) {}

  run(program: string, args: readonly string[], options: { timeoutMs?: number; input?: string } = {}): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    const env = { ...process.env, LC_ALL: "C", ...(this.runnerOptions.path === undefined ? {} : { PATH: this.runnerOptions.path }) };
    return new Promise((resolve, reject) => {
      const child = spawn(program, args, { stdio: ["pipe", "pipe", "pipe"], env });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, timeoutMs);
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.on("error", (err) => {
        clearTimeout(timer);
        reject(unavailable(`cannot run ${program}: ${err.message}; install it (see README)`, { program }, err));
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        if (timedOut) {
          reject(timeoutError(`${program} ${args.join(" ")} did not finish within ${timeoutMs} ms`, { program }));
          return;
        }
        resolve({ code: code ?? -1, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") });
      });
      // A program that exits without reading its input closes the pipe: not our failure.
      child.stdin.on("error", () => undefined);
      child.stdin.end(options.input ?? "");
    });
  }
}
