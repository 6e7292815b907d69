/**
 * A fake CommandRunner for the lab's host checks: `sh -c 'command -v -- "$1"' sh TOOL`
 * finds every tool but the missing ones, apt-get (run through `env`) succeeds or fails
 * as asked, and every other program exits 0. Calls are recorded.
 */
import type { CommandResult, CommandRunner } from "../../core/ports.js";

export interface FakeHostOptions {
  installFails?: boolean;
  updateFails?: boolean;
}

/**
 * A host where the programs in `missing` are not on PATH. A successful `apt-get install`
 * puts every missing program there (apt-get itself excepted), unless `installFails`.
 */
export function fakeHost(missing: readonly string[], opts: FakeHostOptions = {}) {
  const absent = new Set(missing);
  const calls: string[][] = [];
  const runner: CommandRunner = {
    async run(program, args): Promise<CommandResult> {
      calls.push([program, ...args]);
      if (program === "sh" && args[0] === "-c") {
        const tool = args[3] as string;
        return absent.has(tool) ? { code: 1, stdout: "", stderr: "" } : { code: 0, stdout: `/usr/bin/${tool}\n`, stderr: "" };
      }
      if (program === "env" && args.includes("update")) return { code: opts.updateFails === true ? 100 : 0, stdout: "", stderr: "E: no network" };
      if (program === "env" && args.includes("install")) {
        if (opts.installFails === true) return { code: 100, stdout: "", stderr: "E: Unable to locate package iptables" };
        for (const tool of [...absent]) if (tool !== "apt-get") absent.delete(tool);
        return { code: 0, stdout: "", stderr: "" };
      }
      return { code: 0, stdout: "", stderr: "" };
    },
  };
  const aptCalls = () => calls.filter((c) => c[0] === "env").map((c) => c.slice(3).join(" "));
  return { runner, calls, aptCalls };
}

