import { describe, expect, it } from "vitest";
import { labCommand } from "../../cli/labCommand.js";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fakeHost } from "../../test/fakes/fakeHostRunner.js";
import { defaultLabDeps } from "./lab.js";

function recorder() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

describe("labCommand", () => {
  it("prints usage and exits 0 for help", async () => {
    const r = recorder();
    expect(await labCommand(["--help"], r.io)).toBe(0);
    expect(r.out.join("")).toContain("usage: swarmvol lab");
  });

  it("exits 2 with the reason and usage on bad arguments", async () => {
    const r = recorder();
    expect(await labCommand(["up", "--nodes", "x"], r.io)).toBe(2);
    expect(r.err.join("")).toMatch(/--nodes must be a whole number[\s\S]*usage:/);
  });

  it("exits 2 when options are out of range, before touching the host", async () => {
    const r = recorder();
    expect(await labCommand(["up", "--nodes", "2", "--managers", "3", "--dir", "/tmp/x"], r.io, defaultLabDeps())).toBe(2);
    expect(r.err.join("")).toContain("INVALID_ARGUMENT");
  });

  it("exits 1 with NOT_FOUND for a node operation when no lab is up", async () => {
    const r = recorder();
    expect(await labCommand(["kill", "node1", "--dir", "/nonexistent/swarmvol-lab"], r.io, defaultLabDeps())).toBe(1);
    expect(r.err.join("")).toContain("NOT_FOUND");
  });

  it("up --no-install names the missing packages' apt-get command, exits 1 and makes nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "swarmvol-cli-up-"));
    try {
      const r = recorder();
      const host = fakeHost(["iptables", "dockerd"]);
      const deps = defaultLabDeps({ runner: host.runner, spawner: { spawnDetached: () => { throw new Error("no spawn"); } } });
      expect(await labCommand(["up", "--bare", "--no-install", "--dir", dir], r.io, deps)).toBe(1);
      expect(r.err.join("")).toContain("UNAVAILABLE: host tools missing: iptables, dockerd; installing is turned off");
      expect(r.err.join("")).toContain("`apt-get update && apt-get install -y --no-install-recommends iptables docker.io`");
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
