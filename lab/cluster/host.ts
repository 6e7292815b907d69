/**
 * The lab's side effects on the host, behind small seams: a CommandRunner (programs,
 * never a shell), a detached spawner (node launchers and the registry must outlive the
 * process that ran `lab up`), and /proc readers used to find and verify lab processes.
 */
import { execFile, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import type { CommandResult, CommandRunner } from "../../core/ports.js";
import { internal } from "../../core/errors.js";
import { installCommand, LAB_HOST_TOOLS } from "./hostPackages.js";

/** Starts a program in its own session, output appended to a log file; returns its PID. */
export interface DetachedSpawner {
  spawnDetached(program: string, args: readonly string[], logFile: string): number;
}

export const hostRunner: CommandRunner = {
  run(program, args, options) {
    return new Promise<CommandResult>((resolve) => {
      const child = execFile(
        program,
        [...args],
        { timeout: options?.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === "number" ? error.code : 127;
          const message = error?.code === "ENOENT" ? missingProgramMessage(program) : error?.message;
          resolve({ code, stdout, stderr: message !== undefined && stderr === "" ? message : stderr });
        },
      );
      if (options?.input !== undefined) child.stdin?.end(options.input);
      else child.stdin?.end();
    });
  },
};

export const hostSpawner: DetachedSpawner = {
  spawnDetached(program, args, logFile) {
    const fd = openSync(logFile, "a");
    try {
      const child = spawn(program, [...args], { detached: true, stdio: ["ignore", fd, fd] });
      child.on("error", () => undefined); // ENOENT arrives as an event after the pid check below reported it
      if (child.pid === undefined) throw internal(`could not start ${program}: ${missingProgramMessage(program)}`, { program });
      child.unref();
      return child.pid;
    } finally {
      closeSync(fd);
    }
  },
};

/**
 * What to say when `program` cannot be started (ENOENT): not on PATH, and the Debian
 * package and command that provide it when it is one of the lab's host tools.
 */
export function missingProgramMessage(program: string): string {
  const pkg = LAB_HOST_TOOLS[program];
  const install = pkg === undefined ? "" : ` (Debian package ${pkg}: as root, run \`${installCommand([pkg])}\`)`;
  return `${program} not found on PATH${install}`;
}

/** Runs a command and throws INTERNAL with its output when it exits non-zero. */
export async function runChecked(runner: CommandRunner, program: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  const result = await runner.run(program, args, timeoutMs === undefined ? undefined : { timeoutMs });
  if (result.code !== 0) {
    throw internal(`${program} ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`, {
      program, args, code: result.code, stderr: result.stderr,
    });
  }
  return result.stdout;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Sends a signal; a process that is already gone is not an error. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

export async function cmdline(pid: number): Promise<string[] | null> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, "utf8");
    return raw.split("\0").filter((s) => s !== "");
  } catch {
    return null;
  }
}

/** Direct children of a process (from /proc/<pid>/task/<tid>/children). */
export async function childrenOf(pid: number): Promise<number[]> {
  try {
    const raw = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8");
    return raw.split(/\s+/).filter((s) => s !== "").map(Number);
  } catch {
    return [];
  }
}

/** PID of `pid` inside its innermost PID namespace (last NSpid field), or null. */
export async function innermostPid(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    return parseInnermostPid(status);
  } catch {
    return null;
  }
}

/** Parses the `NSpid:` line of /proc/<pid>/status; exported for tests. */
export function parseInnermostPid(status: string): number | null {
  const line = status.split("\n").find((l) => l.startsWith("NSpid:"));
  const last = line?.split(/\s+/).filter((s) => s !== "").pop();
  return last === undefined || last === "NSpid:" ? null : Number(last);
}

/** Every PID on the host with its argv (processes that vanish while listing are skipped). */
export async function listProcesses(): Promise<{ pid: number; argv: string[] }[]> {
  const entries = await readdir("/proc");
  const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number);
  const found = await Promise.all(pids.map(async (pid) => ({ pid, argv: await cmdline(pid) })));
  return found.filter((p): p is { pid: number; argv: string[] } => p.argv !== null && p.argv.length > 0);
}
