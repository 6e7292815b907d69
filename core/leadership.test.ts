import { describe, expect, it } from "vitest";
import { actDeadline, checkElectionTiming, defaultElectionTiming, nextElectionStep, type ElectionInput, type LeaseRecord } from "./leadership.js";

const timing = defaultElectionTiming;
const held = (holder: string): LeaseRecord => ({
  holder, holderUrl: `http://${holder}:7750`, leaseDurationMs: 2000, renewPeriodMs: 500,
  acquiredAt: "2026-12-02T10:00:00.000Z", renewedAt: "2026-12-02T10:00:00.000Z", transitions: 3,
});
const input = (over: Partial<ElectionInput> & { record?: LeaseRecord | undefined; seen?: number }): ElectionInput => ({
  self: "me", now: 10_000, lastRenewSentAt: undefined, timing,
  observed: { version: over.record === undefined ? 0 : 7, record: over.record, firstSeenAt: over.seen ?? 10_000 },
  ...over,
});

describe("nextElectionStep", () => {
  it.each<[string, Partial<ElectionInput> & { record?: LeaseRecord | undefined; seen?: number }, ReturnType<typeof nextElectionStep>]>([
    ["no record: create it", { record: undefined }, { kind: "create" }],
    ["no record, reluctant: wait one lease first", { record: undefined, reluctant: true, seen: 9_000 }, { kind: "wait", ms: 250 }],
    ["no record, reluctant, a lease passed: create", { record: undefined, reluctant: true, seen: 8_000 }, { kind: "create" }],
    ["another holder, just seen: wait a poll", { record: held("other"), seen: 10_000 }, { kind: "wait", ms: 250 }],
    ["another holder, unchanged 1.9 s: wait the rest", { record: held("other"), seen: 8_100 }, { kind: "wait", ms: 100 }],
    ["another holder, unchanged a full lease: acquire", { record: held("other"), seen: 8_000 }, { kind: "acquire" }],
    ["another holder, reluctant, a lease: still wait", { record: held("other"), seen: 8_000, reluctant: true }, { kind: "wait", ms: 250 }],
    ["another holder, reluctant, two leases: acquire", { record: held("other"), seen: 6_000, reluctant: true }, { kind: "acquire" }],
    ["released: acquire at once", { record: held(""), seen: 10_000 }, { kind: "acquire" }],
    ["released, reluctant: give others a lease", { record: held(""), seen: 10_000, reluctant: true }, { kind: "wait", ms: 250 }],
    ["mine, renewed 200 ms ago: wait", { record: held("me"), lastRenewSentAt: 9_800 }, { kind: "wait", ms: 250 }],
    ["mine, renewed 400 ms ago: wait 100", { record: held("me"), lastRenewSentAt: 9_600 }, { kind: "wait", ms: 100 }],
    ["mine, renew due: renew", { record: held("me"), lastRenewSentAt: 9_500 }, { kind: "renew" }],
    ["names me but not renewed in this process: wait like anyone", { record: held("me"), lastRenewSentAt: undefined, seen: 9_000 }, { kind: "wait", ms: 250 }],
  ])("%s", (_name, over, expected) => {
    expect(nextElectionStep(input(over))).toEqual(expected);
  });

  it("the holder's gate closes a margin before any candidate may take over", () => {
    expect(actDeadline(10_000, timing)).toBe(10_000 + 2000 - 500);
    expect(actDeadline(undefined, timing)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe("checkElectionTiming", () => {
  it("accepts the defaults and refuses timings that leave no room to renew", () => {
    expect(checkElectionTiming(timing)).toEqual(timing);
    expect(() => checkElectionTiming({ ...timing, renewPeriodMs: 1000 })).toThrow(/at most a third of --leader-lease-ms/);
    expect(() => checkElectionTiming({ ...timing, safetyMarginMs: 1500 })).toThrow(/below the lease/);
    expect(() => checkElectionTiming({ ...timing, pollMs: 0 })).toThrow(/positive/);
  });
});
