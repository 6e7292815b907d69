import { describe, expect, it } from "vitest";
import { actDeadline, checkElectionTiming, defaultElectionTiming, holderVerdict, nextElectionStep, type ElectionInput, type LeaseRecord } from "./leadership.js";

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

describe("holderVerdict", () => {
  const base = { now: 10_000, lastRenewSentAt: 9_000, timing, heldByAnother: false, pausedSince: undefined, pauseLimitMs: 4_000 };
  type Over = Partial<Omit<typeof base, "lastRenewSentAt" | "pausedSince">> & { lastRenewSentAt?: number | undefined; pausedSince?: number | undefined };
  it.each<[string, Over, ReturnType<typeof holderVerdict>]>([
    ["renewed 1 s ago, deadline at 1.5 s: act", {}, { kind: "act" }],
    ["at the deadline: pause from it", { now: 10_500 }, { kind: "pause", since: 10_500 }],
    ["3.9 s past it: still paused", { now: 14_400 }, { kind: "pause", since: 10_500 }],
    ["the pause limit reached: step down", { now: 14_500 }, { kind: "stepDown", reason: "could not renew the lease in time" }],
    ["paused, a renewal landed in time: act", { pausedSince: 9_000, lastRenewSentAt: 9_900 }, { kind: "act" }],
    ["paused, late renewals keep landing: the pause counts from its start", { now: 13_000, pausedSince: 9_000, lastRenewSentAt: 11_000 }, { kind: "stepDown", reason: "could not renew the lease in time" }],
    ["paused, a late renewal landed: still paused since then", { now: 12_600, pausedSince: 9_000, lastRenewSentAt: 11_000 }, { kind: "pause", since: 9_000 }],
    ["never renewed: step down", { lastRenewSentAt: undefined }, { kind: "stepDown", reason: "could not renew the lease in time" }],
    ["another holder, in time: step down", { heldByAnother: true }, { kind: "stepDown", reason: "another replica holds the lease" }],
    ["another holder, late: says another holder", { heldByAnother: true, now: 20_000 }, { kind: "stepDown", reason: "another replica holds the lease" }],
  ])("%s", (_name, over, expected) => {
    expect(holderVerdict({ ...base, ...over })).toEqual(expected);
  });
});
