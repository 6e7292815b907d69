import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogStore } from "../../storage/state/catalogStore.js";

const compiledStore = resolve("dist/storage/state/catalogStore.js");
let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), "swarmvol-catalog-"))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** A writer process: puts records as fast as it can and prints each acknowledged name. */
const writerSource = (path: string, round: number) => `
import { CatalogStore } from ${JSON.stringify(compiledStore)};
const store = await CatalogStore.open(${JSON.stringify(path)});
for (let i = 0; ; i++) {
  const name = "r${round}-" + i;
  await store.put({ uid: name, createdAt: new Date().toISOString(),
    spec: { name, backend: "local", sizeBytes: 1, fsType: "ext4", options: { pad: "x".repeat(2000) } },
    status: { phase: "ready", fresh: true, epoch: i } });
  process.stdout.write(name + "\\n");
}`;

async function runAndKill(path: string, round: number, killAfterMs: number): Promise<string[]> {
  const script = join(dir, `writer-${round}.mjs`);
  await writeFile(script, writerSource(path, round));
  const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  let firstAck: () => void = () => undefined;
  const acked = new Promise<void>((done) => (firstAck = done));
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    firstAck();
  });
  // Kill once it is writing (a loaded machine may take seconds to start node), at a point that varies by round.
  await Promise.race([acked, new Promise((done) => setTimeout(done, 20_000))]);
  await new Promise((done) => setTimeout(done, killAfterMs));
  child.kill("SIGKILL");
  await new Promise((done) => child.on("close", done));
  return out.split("\n").filter((line) => line.length > 0);
}

describe("catalog durability", () => {
  it("needs the compiled store (npm test builds it first)", () => {
    expect(existsSync(compiledStore), `${compiledStore} is missing: run npm run build`).toBe(true);
  });

  it("survives kill -9 at any point: never torn, every acknowledged write kept", async () => {
    const path = join(dir, "catalog.json");
    const acknowledged: string[] = [];
    for (let round = 0; round < 12; round += 1) {
      acknowledged.push(...(await runAndKill(path, round, 20 + ((round * 37) % 200))));
      const store = await CatalogStore.open(path);
      const names = new Set(store.list().map((record) => record.spec.name));
      const missing = acknowledged.filter((name) => !names.has(name));
      expect(missing).toEqual([]);
    }
    expect(acknowledged.length).toBeGreaterThan(12);
  }, 60_000);

  it("refuses a corrupt file with a message naming it, and leaves it as it was", async () => {
    const path = join(dir, "corrupt.json");
    await writeFile(path, "{\"schemaVersion\":1,\"volumes\":{\"a\":");
    await expect(CatalogStore.open(path)).rejects.toThrow(/corrupt\.json is not valid JSON.*restore it from a backup/);
  });

  it("refuses a file from a newer schema", async () => {
    const path = join(dir, "future.json");
    await writeFile(path, JSON.stringify({ schemaVersion: 99, volumes: {} }));
    await expect(CatalogStore.open(path)).rejects.toThrow(/schema version 99, newer than this swarmvol understands/);
  });
});
