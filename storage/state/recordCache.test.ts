import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { VolumeRecord } from "../../core/volume.js";
import { RecordCacheStore } from "./recordCache.js";

const record = (name: string, epoch = 1): VolumeRecord => ({
  uid: `uid-${name}`,
  createdAt: "2026-11-22T10:00:00.000Z",
  spec: { name, backend: "ebs", sizeBytes: 1 << 30, fsType: "ext4", options: {} },
  status: { phase: "ready", fresh: false, epoch },
});

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), "swarmvol-cache-"))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe("RecordCacheStore", () => {
  it("keeps records across reopen (an agent restart)", async () => {
    const path = join(dir, "state", "records.json");
    const cache = await RecordCacheStore.open(path);
    await cache.put(record("db"));
    await cache.replaceAll([record("db", 2), record("app")]);
    await cache.remove("app");
    await cache.remove("missing");
    const reopened = await RecordCacheStore.open(path);
    expect(reopened.list()).toEqual([record("db", 2)]);
    expect(reopened.get("db")?.status.epoch).toBe(2);
  });

  it("moves an unreadable file aside and starts empty instead of refusing to start", async () => {
    const path = join(dir, "records.json");
    await writeFile(path, "{\"schemaVersion\":1,\"volu");
    const discarded: string[] = [];
    const cache = await RecordCacheStore.open(path, { onDiscard: (message) => discarded.push(message) });
    expect(cache.list()).toEqual([]);
    expect(discarded[0]).toMatch(/records\.json was unreadable.*moved it to .*records\.json\.corrupt/);
    expect(await readFile(`${path}.corrupt`, "utf8")).toBe("{\"schemaVersion\":1,\"volu");
  });

  it("refuses a file from a newer swarmvol", async () => {
    const path = join(dir, "records.json");
    await writeFile(path, JSON.stringify({ schemaVersion: 9, volumes: {} }));
    await expect(RecordCacheStore.open(path)).rejects.toThrow(/schema version 9.*upgrade swarmvol/);
  });
});
