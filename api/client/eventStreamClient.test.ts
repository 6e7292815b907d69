import { afterEach, describe, expect, it, vi } from "vitest";
import { openEventStream, type StreamItem } from "./eventStreamClient.js";

afterEach(() => {
  vi.useRealTimers();
});

/** A replica that accepts the stream and then sends only what `push` is given; the caller's abort errors the body, as undici does. */
function silentReplica() {
  let push: ((text: string) => void) | undefined;
  const fetcher = (async (_url: string, init: RequestInit) => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (text) => controller.enqueue(new TextEncoder().encode(text));
        init.signal?.addEventListener("abort", () => controller.error(init.signal?.reason), { once: true });
      },
    });
    return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
  }) as unknown as typeof fetch;
  return { fetcher, push: (text: string) => push?.(text) };
}

describe("openEventStream: a silent connection is taken for dead", () => {
  it("fails UNAVAILABLE once nothing came for the idle timeout (45 s by default), counted from the last bytes", async () => {
    vi.useFakeTimers();
    const replica = silentReplica();
    const stream = openEventStream({ fetch: replica.fetcher, baseUrl: "http://m1:7750", token: "t", request: {}, hinted: () => undefined });
    let outcome: StreamItem | Error | undefined;
    const next = stream.next().then((item) => void (outcome = item.value as StreamItem), (err: unknown) => void (outcome = err as Error));
    await vi.advanceTimersByTimeAsync(30_000);
    replica.push(": heartbeat\n\n");
    await vi.advanceTimersByTimeAsync(44_999);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await next;
    expect(outcome).toMatchObject({ code: "UNAVAILABLE", message: "event stream from http://m1:7750 silent for 45000 ms" });
  });
});
