import { describe, expect, it } from "vitest";
import type { CloudVolume } from "../../core/cloud.js";
import { ReadCoalescer } from "./readCoalescer.js";

const volume = (id: string): CloudVolume => ({ id, zone: "us-east-1a", sizeBytes: 1, state: "available", attachments: [], tags: {} });

/** A describe that records each call's ids and knows the volumes in `known`. */
function recordingDescribe(known: string[], failWith?: Error) {
  const calls: string[][] = [];
  const describe = async (ids: readonly string[]) => {
    calls.push([...ids]);
    if (failWith) throw failWith;
    return ids.filter((id) => known.includes(id)).map(volume);
  };
  return { calls, describe };
}

describe("ReadCoalescer", () => {
  it("answers reads made in the same turn with one describe of every id", async () => {
    const { calls, describe } = recordingDescribe(["vol-1", "vol-2", "vol-3"]);
    const reads = new ReadCoalescer(describe);
    const answers = await Promise.all(["vol-1", "vol-2", "vol-3", "vol-2"].map((id) => reads.read(id)));
    expect(calls).toEqual([["vol-1", "vol-2", "vol-3"]]);
    expect(answers.map((answer) => answer?.id)).toEqual(["vol-1", "vol-2", "vol-3", "vol-2"]);
  });

  it("gathers reads of waits that woke at the same moment (each continuing in its own microtask)", async () => {
    const { calls, describe } = recordingDescribe(["vol-1", "vol-2"]);
    const reads = new ReadCoalescer(describe);
    // One timer wakes both waits, as one clock tick resolves two sleeps: each wait then reads
    // after awaits of its own. (Two separate real timers were not sure to fire in one turn
    // on a loaded machine: this test once saw two rounds there.)
    const woken = new Promise<void>((resolve) => setTimeout(resolve, 5));
    const wait = async (id: string, hops: number) => {
      await woken;
      for (let hop = 0; hop < hops; hop += 1) await Promise.resolve();
      return reads.read(id);
    };
    await Promise.all([wait("vol-1", 1), wait("vol-2", 3)]);
    expect(calls).toEqual([["vol-1", "vol-2"]]);
  });

  it("answers undefined for a volume EC2 does not know (yet)", async () => {
    const { describe } = recordingDescribe(["vol-1"]);
    const reads = new ReadCoalescer(describe);
    const [known, unknown] = await Promise.all([reads.read("vol-1"), reads.read("vol-9")]);
    expect(known?.id).toBe("vol-1");
    expect(unknown).toBeUndefined();
  });

  it("fails every read of the round when the describe fails", async () => {
    const { describe } = recordingDescribe([], new Error("RequestLimitExceeded after retries"));
    const reads = new ReadCoalescer(describe);
    const results = await Promise.allSettled([reads.read("vol-1"), reads.read("vol-2")]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
  });

  it("starts a new round for reads made after a round was sent", async () => {
    const { calls, describe } = recordingDescribe(["vol-1", "vol-2"]);
    const reads = new ReadCoalescer(describe);
    await reads.read("vol-1");
    await reads.read("vol-2");
    expect(calls).toEqual([["vol-1"], ["vol-2"]]);
  });
});
