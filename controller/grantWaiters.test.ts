import { describe, expect, it } from "vitest";
import { SteppedClock } from "../test/fakes/steppedClock.js";
import { GrantWaiters } from "./grantWaiters.js";

describe("GrantWaiters", () => {
  it("holds a claim until its volume is granted or its time runs out", async () => {
    const clock = new SteppedClock();
    const waiters = new GrantWaiters(clock);
    let woken = 0;
    void waiters.wait("db", 2_000).then(() => void (woken += 1));
    void waiters.wait("web", 2_000).then(() => void (woken += 1));
    await clock.settle();
    expect(waiters.held).toBe(2);
    waiters.granted("db");
    await clock.settle();
    expect([woken, waiters.held]).toEqual([1, 1]);
    await clock.advance(2_000);
    expect([woken, waiters.held]).toEqual([2, 0]);
  });

  it("holds at most maxHeld at once: one more returns at once, and holding resumes once one ended", async () => {
    const clock = new SteppedClock();
    const waiters = new GrantWaiters(clock, { maxHeld: 2 });
    void waiters.wait("a", 2_000);
    void waiters.wait("b", 2_000);
    let third = false;
    await waiters.wait("c", 2_000).then(() => void (third = true));
    expect([third, waiters.held, clock.pending]).toEqual([true, 2, 2]);
    waiters.granted("a");
    await clock.settle();
    void waiters.wait("c", 2_000);
    await clock.settle();
    expect(waiters.held).toBe(2);
  });
});
