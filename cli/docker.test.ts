import { describe, expect, it } from "vitest";
import { silentLogger } from "../core/ports.js";
import { ManualTime } from "../test/fakes/fakeSwarm.js";
import { activateWithEngine } from "./allInOne.js";
import { engineInfo } from "./docker.js";

/** The daemons' own Engine calls against a dockerd that accepts and never answers. */
describe("Engine calls outside the ports", () => {
  it("GET /info fails UNAVAILABLE at its deadline and aborts the request", async () => {
    const time = new ManualTime();
    let signal: AbortSignal | undefined;
    const asking = engineInfo({ info: (options?: { abortSignal?: AbortSignal }) => (signal = options?.abortSignal, new Promise<never>(() => undefined)) }, 10_000, time).catch((err: unknown) => err);
    await time.advance(9_999);
    expect(signal?.aborted).toBe(false);
    await time.advance(1);
    expect(await asking).toMatchObject({ code: "UNAVAILABLE" });
    expect(signal?.aborted).toBe(true);
  });

  it("the activation's GET /volumes is aborted after 30 s, so a hung dockerd cannot hold the tries", async () => {
    const time = new ManualTime();
    const signals: Array<AbortSignal | undefined> = [];
    const docker = { listVolumes: (options?: { abortSignal?: AbortSignal }) => (signals.push(options?.abortSignal), new Promise<never>(() => undefined)) };
    void activateWithEngine(docker as never, silentLogger, time);
    await time.advance(29_999);
    expect(signals.map((signal) => signal?.aborted)).toEqual([false]);
    await time.advance(1);
    expect(signals[0]?.aborted).toBe(true);
  });
});
