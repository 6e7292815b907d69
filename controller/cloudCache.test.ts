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

describe("CloudVolumeCache after this replica's own actions", () => {
  const attached = (id: string): CloudVolume => ({ ...volume(id), state: "in-use", attachments: [{ instanceId: "i-1", device: "/dev/xvdba", state: "attached" }] });

  it("does not prime a volume from a describe that began before an action on it ended (the soak's second attach)", () => {
    const cache = new CloudVolumeCache(5_000);
    cache.changed("vol-1", 1_000); // attach begins
    cache.changed("vol-1", 1_400); // attach ends
    cache.prime([volume("vol-1"), volume("vol-2")], 1_200); // bulk describe begun mid-attach answers late
    expect(cache.take("vol-1", 1_500)).toBeUndefined();
    expect(cache.take("vol-2", 1_500)?.id).toBe("vol-2");
  });

  it("primes from a describe that began after the action ended", () => {
    const cache = new CloudVolumeCache(5_000);
    cache.changed("vol-1", 1_000);
    cache.prime([attached("vol-1")], 1_001);
    expect(cache.take("vol-1", 1_100)?.attachments).toHaveLength(1);
  });

  it("drops an entry primed before the action, and forgets marks older than the cache's age", () => {
    const cache = new CloudVolumeCache(5_000);
    cache.prime([volume("vol-1")], 0);
    cache.changed("vol-1", 100);
    expect(cache.take("vol-1", 200)).toBeUndefined();
    cache.prime([volume("vol-1")], 10_000);
    expect(cache.take("vol-1", 10_100)?.id).toBe("vol-1");
  });
});
