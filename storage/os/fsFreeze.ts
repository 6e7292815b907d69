import { access, constants } from "node:fs/promises";
import { join } from "node:path";
import { unavailable } from "../../core/errors.js";
import type { CommandRunner, FilesystemFreezer } from "../../core/ports.js";
import { SYSTEM_PATH } from "./commandRunner.js";

/**
 * The program's absolute path in the first SYSTEM_PATH directory that has it executable
 * (`/usr/sbin/fsfreeze`): the agent runs as root, so neither its inherited PATH nor the
 * runner's lookup chooses what freezes a filesystem. UNAVAILABLE naming the fix if none.
 */
export async function systemProgram(program: string, path = SYSTEM_PATH, canRun = (file: string) => access(file, constants.X_OK)): Promise<string> {
  for (const dir of path.split(":")) {
    if (dir === "") continue;
    const file = join(dir, program);
    try {
      await canRun(file);
      return file;
    } catch {
      // not here
    }
  }
  throw unavailable(`cannot find ${program} in ${path}; install util-linux (it ships fsfreeze)`, { program });
}

/**
 * `fsfreeze -f` / `fsfreeze -u` on a mount point, by absolute path, each with a deadline.
 * A thaw of a filesystem that is not frozen is answered `not-frozen` (fsfreeze says
 * "Invalid argument"), so thawing after any freeze attempt is always safe.
 */
export class FsFreeze implements FilesystemFreezer {
  private program: Promise<string> | undefined;

  constructor(private readonly runner: CommandRunner, private readonly locate: () => Promise<string> = () => systemProgram("fsfreeze")) {}

  async freeze(mountPoint: string, timeoutMs: number): Promise<void> {
    const result = await this.run(["-f", mountPoint], timeoutMs);
    if (result.code !== 0) throw unavailable(`fsfreeze -f ${mountPoint} failed (exit ${result.code}): ${result.stderr.trim().slice(0, 300)}`, { mountPoint });
  }

  async thaw(mountPoint: string, timeoutMs: number): Promise<"thawed" | "not-frozen"> {
    const result = await this.run(["-u", mountPoint], timeoutMs);
    if (result.code === 0) return "thawed";
    if (/invalid argument/i.test(result.stderr)) return "not-frozen";
    throw unavailable(`fsfreeze -u ${mountPoint} failed (exit ${result.code}): ${result.stderr.trim().slice(0, 300)}`, { mountPoint });
  }

  private async run(args: string[], timeoutMs: number) {
    this.program ??= this.locate().catch((err: unknown) => {
      this.program = undefined;
      throw err;
    });
    // The runner kills the program at the deadline (TIMEOUT); a missing one is UNAVAILABLE.
    return this.runner.run(await this.program, args, { timeoutMs });
  }
}
