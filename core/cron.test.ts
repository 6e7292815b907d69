import { describe, expect, it } from "vitest";
import { isDue, nextSlot, parseCron, periodAt, previousSlot } from "./cron.js";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe("parseCron", () => {
  it.each([
    ["0 3 * * *", "2026-11-22T10:00:00.000Z", "2026-11-22T03:00:00.000Z", "2026-11-23T03:00:00.000Z"],
    ["0 3 * * *", "2026-11-22T02:59:59.999Z", "2026-11-21T03:00:00.000Z", "2026-11-22T03:00:00.000Z"],
    ["0 3 * * *", "2026-11-22T03:00:00.000Z", "2026-11-22T03:00:00.000Z", "2026-11-23T03:00:00.000Z"],
    ["*/15 * * * *", "2026-11-22T10:07:30.000Z", "2026-11-22T10:00:00.000Z", "2026-11-22T10:15:00.000Z"],
    ["* * * * *", "2026-11-22T10:07:30.000Z", "2026-11-22T10:07:00.000Z", "2026-11-22T10:08:00.000Z"],
    ["30 1-5/2 * * *", "2026-11-22T04:00:00.000Z", "2026-11-22T03:30:00.000Z", "2026-11-22T05:30:00.000Z"],
    ["0 12 * * mon-fri", "2026-11-21T13:00:00.000Z", "2026-11-20T12:00:00.000Z", "2026-11-23T12:00:00.000Z"], // Sat: Fri before, Mon after
    ["0 0 * * 7", "2026-11-24T00:00:00.000Z", "2026-11-22T00:00:00.000Z", "2026-11-29T00:00:00.000Z"], // 7 is Sunday
    ["0 0 1 * 1", "2026-11-25T00:00:00.000Z", "2026-11-23T00:00:00.000Z", "2026-11-30T00:00:00.000Z"], // both restricted: the 1st or a Monday
    ["0 0 29 feb *", "2026-03-01T00:00:00.000Z", "2024-02-29T00:00:00.000Z", "2028-02-29T00:00:00.000Z"],
    ["5 4 * dec,jan sun", "2026-11-22T00:00:00.000Z", "2026-01-25T04:05:00.000Z", "2026-12-06T04:05:00.000Z"],
  ])("%s around %s: previous %s, next %s", (expression, time, previous, next) => {
    const schedule = parseCron(expression);
    expect(iso(previousSlot(schedule, at(time)))).toBe(previous);
    expect(iso(nextSlot(schedule, at(time)))).toBe(next);
    expect(isDue(schedule, at(previous))).toBe(true);
    expect(isDue(schedule, at(previous) + 60_000)).toBe(expression.startsWith("* ") ? true : false);
  });

  it("a slot's period runs to the next slot", () => {
    expect(periodAt(parseCron("0 3 * * *"), at("2026-11-22T03:00:00.000Z"))).toBe(24 * 3_600_000);
    expect(periodAt(parseCron("0 3,9 * * *"), at("2026-11-22T03:00:00.000Z"))).toBe(6 * 3_600_000);
    expect(periodAt(parseCron("* * * * *"), at("2026-11-22T03:00:00.000Z"))).toBe(60_000);
  });

  it.each([
    ["0 3 * *", /has 4 fields; write five fields, minute hour day-of-month month day-of-week, in UTC, like "0 3 \* \* \*"/],
    ["0 0 3 * * *", /has 6 fields/],
    ["60 * * * *", /minute "60" is not in 0-59/],
    ["* 24 * * *", /hour "24" is not in 0-23/],
    ["* * 0 * *", /day-of-month "0" is not in 1-31/],
    ["* * * 13 *", /month "13" is not in 1-12 \(or jan-dec\)/],
    ["* * * * 8", /day-of-week "8" is not in 0-7 \(or sun-sat\)/],
    ["* * * * funday", /day-of-week "funday" is not N, A-B/],
    ["5-1 * * * *", /range "5-1" runs backwards/],
    ["*/0 * * * *", /step "0" must be at least 1/],
    ["*-5 * * * *", /\* takes no range/],
    ["0 0 31 2 *", /never comes due/],
    ["0 0 30 feb *", /never comes due/],
    ["", /has 1 fields/],
  ])("refuses %j naming the field and the form", (expression, message) => {
    expect(() => parseCron(expression)).toThrow(message);
  });

  it("refuses hostile input by its length before reading it, and quotes at most 64 characters", () => {
    expect(() => parseCron(`${"1,".repeat(5000)}1 * * * *`)).toThrow(/is 10009 characters long/);
    try {
      parseCron(`${"9".repeat(100)} * * * *`);
    } catch (err) {
      expect((err as Error).message.length).toBeLessThan(400);
      expect((err as { code?: string }).code).toBe("INVALID_ARGUMENT");
    }
  });

  it("normalises spacing and case", () => {
    expect(parseCron("  0   3 * * MON ").expression).toBe("0 3 * * mon");
  });
});
