/** A CommandRunner over execFile: no shell, never rejects on a non-zero exit. */
import { execFile } from "node:child_process";
import type { CommandResult, CommandRunner } from "../../core/ports.js";

export const execRunner: CommandRunner = {
  run(program, args, options) {
    return new Promise<CommandResult>((resolve) => {
      const child = execFile(program, [...args], { timeout: options?.timeoutMs ?? 60_000, encoding: "utf8" },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === "number" ? err.code : 127;
          resolve({ code, stdout, stderr: err !== null && stderr === "" ? err.message : stderr });
        });
      if (options?.input !== undefined) child.stdin?.end(options.input);
    });
  },
};
