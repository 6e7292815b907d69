import { spawn } from "node:child_process";
import { timeout as timeoutError, unavailable } from "../../core/errors.js";
import type { CommandResult, CommandRunner } from "../../core/ports.js";

/** Runs programs with spawn (no shell), capturing output; a non-zero exit is a result. */
export class ProcessRunner implements CommandRunner {
  run(program: string, args: readonly string[], options: { timeoutMs?: number; input?: string } = {}): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(program, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let timedOut = false;
      const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, options.timeoutMs);
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.on("error", (err) => {
        clearTimeout(timer);
        reject(unavailable(`cannot run ${program}: ${err.message}; install it (see README)`, { program }, err));
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        if (timedOut) {
          reject(timeoutError(`${program} ${args.join(" ")} did not finish within ${options.timeoutMs} ms`, { program }));
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
