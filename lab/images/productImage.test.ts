import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CommandRunner } from "../../core/ports.js";
import { offlineNpmCache, unresolvedLibraries } from "./productImage.js";

let dir = "";
afterEach(async () => {
  if (dir !== "") await rm(dir, { recursive: true, force: true });
  dir = "";
});

/** Records calls; `npm ci` makes the cache folder it was given, `mv` moves it. */
function recordingRunner(calls: string[][]): CommandRunner {
  return {
    async run(program, args) {
      calls.push([program, ...args]);
      if (program === "npm") await mkdir(args[args.indexOf("--cache") + 1] as string, { recursive: true });
      if (program === "mv") await import("node:fs/promises").then((fs) => fs.rename(args[0] as string, args[1] as string));
      return { code: 0, stdout: "", stderr: "" };
    },
  };
}

describe("the lab's product image build", () => {
  it("finds the libraries ldd could not resolve", () => {
    const ldd = [
      "\tlinux-vdso.so.1 (0x00007ffd)",
      "\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f78)",
      "\tlibatomic.so.1 => not found",
      "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f78)",
    ].join("\n");
    expect(unresolvedLibraries(ldd)).toEqual(["libatomic.so.1"]);
    expect(unresolvedLibraries("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n")).toEqual([]);
  });

  it("fills the npm cache once per lockfile, and a new lockfile replaces the old cache", async () => {
    dir = await mkdtemp(join(tmpdir(), "swarmvol-npmcache-"));
    const repo = join(dir, "repo");
    const cacheDir = join(dir, "cache");
    await mkdir(repo);
    await mkdir(cacheDir);
    await writeFile(join(repo, "package.json"), "{}");
    await writeFile(join(repo, "package-lock.json"), "{\"lockfileVersion\":3}");
    const calls: string[][] = [];
    const first = await offlineNpmCache(recordingRunner(calls), repo, cacheDir);
    expect(calls.filter((c) => c[0] === "npm").map((c) => c.slice(1, 2))).toEqual([["ci"]]);
    expect(await offlineNpmCache(recordingRunner(calls), repo, cacheDir)).toBe(first);
    expect(calls.filter((c) => c[0] === "npm")).toHaveLength(1);
    await writeFile(join(repo, "package-lock.json"), "{\"lockfileVersion\":3,\"changed\":true}");
    const second = await offlineNpmCache(recordingRunner(calls), repo, cacheDir);
    expect(second).not.toBe(first);
    expect(calls.filter((c) => c[0] === "npm")).toHaveLength(2);
    expect((await readdir(cacheDir)).filter((name) => name.startsWith("npm-"))).toEqual([second.split("/").at(-1)]);
  });
});
