import { describe, expect, it } from "vitest";
import { FakeClock } from "../test/fakes/clock.js";
import { ClaimBook } from "./claims.js";

describe("ClaimBook", () => {
  it("forgets a volume once its last claim is released or expired, so volume churn leaves nothing behind", () => {
    const clock = new FakeClock();
    const book = new ClaimBook(clock, 5_000);
    for (let n = 0; n < 100; n += 1) book.claim(`v${n}`, "n1");
    for (let n = 0; n < 50; n += 1) book.release(`v${n}`, "n1");
    expect(book.volumes).toBe(50);
    clock.current += 5_001;
    for (let n = 50; n < 100; n += 1) expect(book.wants(`v${n}`, () => false)).toEqual([]);
    expect(book.volumes).toBe(0);
  });
});
