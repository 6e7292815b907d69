import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualTime } from "../../test/fakes/fakeSwarm.js";
import { ProcessRunner, SYSTEM_PATH } from "./commandRunner.js";

describe("ProcessRunner: where programs are found", () => {
  let dir: string;
  const savedPath = process.env.PATH;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "sv-path-"));
    // A planted "losetup" first in the daemon's inherited PATH.
    await writeFile(join(dir, "losetup"), "#!/bin/sh\necho planted\n");
    await chmod(join(dir, "losetup"), 0o755);
    process.env.PATH = `${dir}:${savedPath ?? ""}`;
  });
  afterEach(async () => {
    process.env.PATH = savedPath;
    await rm(dir, { recursive: true, force: true });
  });

  it("with SYSTEM_PATH (the daemons) runs the system's program, never one planted earlier in PATH", async () => {
    const result = await new ProcessRunner({ path: SYSTEM_PATH }).run("losetup", ["--version"], { timeoutMs: 10_000 });
    expect(result.stdout).toMatch(/^losetup from util-linux/);
  });

  it("without it (the lab's own tools) follows the caller's PATH", async () => {
    expect((await new ProcessRunner().run("losetup", [], { timeoutMs: 10_000 })).stdout.trim()).toBe("planted");
  });

  it("kills a program past its deadline and says so", async () => {
    await expect(new ProcessRunner({ path: SYSTEM_PATH }).run("sleep", ["5"], { timeoutMs: 50 })).rejects.toMatchObject({ code: "TIMEOUT", message: expect.stringMatching(/did not finish within 50 ms/) });
  });
});

describe("ProcessRunner: bounded whatever the program does", () => {
  it("fails at the deadline even when the program's pipes stay open (a helper it started, a mount stuck in the kernel), and kills its process group", async () => {
    const time = new ManualTime();
    const runner = new ProcessRunner({ path: SYSTEM_PATH, timers: time });
    // The background sleep holds stdout open: 'close' never comes while it lives.
    const run = runner.run("sh", ["-c", "sleep 600 & echo $!; wait"], { timeoutMs: 90_000 }).catch((err: unknown) => err);
    const started = await runner.run("true", []);
    expect(started.code).toBe(0);
    await time.advance(90_000);
    expect(await run).toMatchObject({ code: "TIMEOUT", message: expect.stringMatching(/did not finish within 90000 ms/) });
  });

  it("keeps at most maxOutputBytes of each stream", async () => {
    const result = await new ProcessRunner({ path: SYSTEM_PATH, maxOutputBytes: 1000 }).run("head", ["-c", "100000", "/dev/zero"], { timeoutMs: 10_000 });
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBe(1000);
  });
});
