import { describe, expect, it } from "vitest";
import type { CommandResult, CommandRunner } from "../../core/ports.js";
import { FsFreeze, systemProgram } from "./fsFreeze.js";

class ScriptedRunner implements CommandRunner {
  readonly calls: Array<{ program: string; args: readonly string[]; timeoutMs?: number }> = [];
  constructor(private readonly answers: CommandResult[]) {}
  async run(program: string, args: readonly string[], options: { timeoutMs?: number } = {}): Promise<CommandResult> {
    this.calls.push({ program, args, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
    return this.answers.shift() ?? { code: 0, stdout: "", stderr: "" };
  }
}

describe("systemProgram", () => {
  it("finds the program in the first SYSTEM_PATH directory that has it, never elsewhere", async () => {
    const present = new Set(["/usr/sbin/fsfreeze", "/sbin/fsfreeze"]);
    const canRun = async (file: string) => {
      if (!present.has(file)) throw new Error("ENOENT");
    };
    expect(await systemProgram("fsfreeze", "/usr/local/sbin:/usr/sbin:/sbin", canRun)).toBe("/usr/sbin/fsfreeze");
    await expect(systemProgram("fsfreeze", "/opt/bin", canRun)).rejects.toMatchObject({ code: "UNAVAILABLE", message: expect.stringMatching(/install util-linux/) });
  });

  it("finds the real fsfreeze on this machine by absolute path", async () => {
    expect(await systemProgram("fsfreeze")).toMatch(/^\/(usr\/)?s?bin\/fsfreeze$|^\/usr\/local\/s?bin\/fsfreeze$/);
  });
});

describe("FsFreeze", () => {
  it("runs fsfreeze -f and -u by absolute path with the deadline given", async () => {
    const runner = new ScriptedRunner([]);
    const fs = new FsFreeze(runner, async () => "/usr/sbin/fsfreeze");
    await fs.freeze("/var/lib/swarmvol/mounts/db", 5000);
    expect(await fs.thaw("/var/lib/swarmvol/mounts/db", 3000)).toBe("thawed");
    expect(runner.calls).toEqual([
      { program: "/usr/sbin/fsfreeze", args: ["-f", "/var/lib/swarmvol/mounts/db"], timeoutMs: 5000 },
      { program: "/usr/sbin/fsfreeze", args: ["-u", "/var/lib/swarmvol/mounts/db"], timeoutMs: 3000 },
    ]);
  });

  it("a thaw of a filesystem that is not frozen is not-frozen; other failures are UNAVAILABLE", async () => {
    const runner = new ScriptedRunner([
      { code: 1, stdout: "", stderr: "fsfreeze: /m: thaw failed: Invalid argument\n" },
      { code: 1, stdout: "", stderr: "fsfreeze: /m: freeze failed: Operation not supported\n" },
      { code: 1, stdout: "", stderr: "fsfreeze: /m: thaw failed: Permission denied\n" },
    ]);
    const fs = new FsFreeze(runner, async () => "/sbin/fsfreeze");
    expect(await fs.thaw("/m", 1000)).toBe("not-frozen");
    await expect(fs.freeze("/m", 1000)).rejects.toMatchObject({ code: "UNAVAILABLE", message: expect.stringMatching(/Operation not supported/) });
    await expect(fs.thaw("/m", 1000)).rejects.toMatchObject({ code: "UNAVAILABLE" });
  });
});
