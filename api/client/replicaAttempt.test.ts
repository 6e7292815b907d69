import { describe, expect, it } from "vitest";
import { attemptReplica, MAX_ANSWER_BYTES } from "./replicaAttempt.js";

const limits = (maxBodyBytes?: number) => ({ deadline: AbortSignal.timeout(5_000), budget: undefined, timeoutMs: 5_000, caller: undefined, ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }) });

/** A replica whose answer streams `chunks` chunks of 512 bytes; counts how many were pulled. */
function streaming(chunks: number) {
  const state = { pulled: 0, cancelled: false };
  const fetcher = (async () => new Response(new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled += 1;
      if (state.pulled > chunks) controller.close();
      else controller.enqueue(new Uint8Array(512).fill(0x61));
    },
    cancel() {
      state.cancelled = true;
    },
  }), { status: 200 })) as unknown as typeof fetch;
  return { fetcher, state };
}

describe("attemptReplica: an answer's size is bounded", () => {
  it("reads a body within the bound whole", async () => {
    const { fetcher } = streaming(2);
    expect(await attemptReplica(fetcher, "http://c1/v1/volumes", {}, limits(1_024))).toEqual({ kind: "answer", status: 200, text: "a".repeat(1_024) });
  });

  it("stops reading past the bound and counts the replica unreachable (the next one is asked), the rest of the body cancelled", async () => {
    const { fetcher, state } = streaming(1_000_000);
    const attempt = await attemptReplica(fetcher, "http://c1/v1/volumes", {}, limits(1_024));
    expect(attempt).toMatchObject({ kind: "unreachable", reason: "answered more than 1024 bytes" });
    expect([state.pulled < 10, state.cancelled]).toEqual([true, true]);
    expect(MAX_ANSWER_BYTES).toBe(64 * 1024 * 1024);
  });
});
