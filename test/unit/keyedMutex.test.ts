import { describe, expect, it } from "vitest";
import { KeyedMutex } from "../../core/keyedMutex.js";

describe("KeyedMutex", () => {
  it("runs work for one key in order, one at a time", async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    let release!: () => void;
    const first = mutex.run("v", async () => {
      log.push("first start");
      await new Promise<void>((resolve) => (release = resolve));
      log.push("first end");
    });
    const second = mutex.run("v", async () => log.push("second"));
    await Promise.resolve();
    expect(log).toEqual(["first start"]);
    release();
    await Promise.all([first, second]);
    expect(log).toEqual(["first start", "first end", "second"]);
    expect(mutex.size).toBe(0);
  });

  it("keeps going after a failure", async () => {
    const mutex = new KeyedMutex();
    await expect(mutex.run("v", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(mutex.run("v", async () => 42)).resolves.toBe(42);
  });
});
