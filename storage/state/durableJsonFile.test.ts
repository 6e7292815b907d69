import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DurableJsonFile } from "./durableJsonFile.js";

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), "swarmvol-durable-"))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe("DurableJsonFile", () => {
  it("coalesces a burst of writes into a few flushes, and every write resolves after its data is on disk", async () => {
    const file = new DurableJsonFile<{ n: number }>(join(dir, "doc.json"));
    const writes = Array.from({ length: 50 }, (_, n) => file.write({ n }));
    await Promise.all(writes);
    expect(JSON.parse(await readFile(join(dir, "doc.json"), "utf8"))).toEqual({ n: 49 });
    expect(file.flushes).toBeLessThanOrEqual(3);
    expect(file.flushes).toBeGreaterThanOrEqual(1);
  });

  it("rejects the waiting writes when the flush fails, and recovers for later ones", async () => {
    const file = new DurableJsonFile<{ n: number }>(join(dir, "missing-dir", "doc.json"));
    await expect(file.write({ n: 1 })).rejects.toThrow();
    const ok = new DurableJsonFile<{ n: number }>(join(dir, "doc.json"));
    await ok.write({ n: 2 });
    expect(await ok.read()).toEqual({ n: 2 });
  });
});
