import { describe, expect, it } from "vitest";
import type { CloudVolume } from "../core/cloud.js";
import { CloudVolumeCache } from "./cloudCache.js";

const volume = (id: string): CloudVolume => ({ id, zone: "z1", sizeBytes: 1, state: "available", attachments: [], tags: {} });

describe("CloudVolumeCache", () => {
  it("hands each fresh entry to one reconcile, and a resync drops what went stale untaken (deleted volumes)", () => {
    const cache = new CloudVolumeCache(5_000);
    cache.prime([volume("vol-1"), volume("vol-2")], 0);
    expect(cache.take("vol-1", 1_000)?.id).toBe("vol-1");
    expect(cache.take("vol-1", 1_000)).toBeUndefined();
    cache.prime([volume("vol-3")], 60_000);
    expect(cache.size).toBe(1);
    expect(cache.take("vol-2", 60_000)).toBeUndefined();
  });
});
