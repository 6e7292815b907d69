import { describe, expect, it } from "vitest";
import { loadControllerConfig } from "./clusterConfig.js";
import { agentRenewMs, checkLeaseTiming, type LeaseTiming } from "./leaseTiming.js";

describe("agentRenewMs: a quarter of the lease, at most 2 s", () => {
  it.each([
    [3_000, 750],
    [6_000, 1_500],
    [8_000, 2_000],
    [60_000, 2_000],
    [3, 1],
  ])("lease %i ms → renew every %i ms", (ttl, renew) => {
    expect(agentRenewMs(ttl)).toBe(renew);
  });

  it("takes a lower cap", () => {
    expect(agentRenewMs(6_000, 1_000)).toBe(1_000);
  });
});

describe("checkLeaseTiming: a leader crash must not lapse the agents' leases", () => {
  const defaults: LeaseTiming = { leaseTtlMs: 3_000, fenceGraceMs: 2_000, leaderLeaseMs: 1_000, leaderRenewMs: 250 };

  it.each([
    ["the defaults (3 s lease, 1 s leader lease)", defaults],
    ["ADR 0005/0010's old pair (6 s lease, 2 s leader lease)", { ...defaults, leaseTtlMs: 6_000, leaderLeaseMs: 2_000, leaderRenewMs: 500 }],
    ["the longest leader lease a 3 s lease allows", { ...defaults, leaderLeaseMs: 1_450 }],
  ])("accepts %s", (_name, timing) => {
    expect(checkLeaseTiming(timing)).toEqual(timing);
  });

  it.each([
    ["a 3 s lease with the old 2 s leader lease", { ...defaults, leaderLeaseMs: 2_000, leaderRenewMs: 500 }, /raise --lease-ttl-ms to at least 3734 or lower --leader-lease-ms to at most 1450/],
    ["one millisecond over", { ...defaults, leaderLeaseMs: 1_451 }, /--leader-lease-ms 1451 is too long for --lease-ttl-ms 3000/],
    ["a 2 s lease with a 1 s leader lease", { ...defaults, leaseTtlMs: 2_000 }, /keeps 1500 ms of lease but a standby may need 1800 ms/],
  ])("refuses %s, naming both fixes", (_name, timing, message) => {
    expect(() => checkLeaseTiming(timing)).toThrow(message);
  });

  it("is what the controller's configuration applies: new defaults, and refusal of a leader lease too long for the lease", () => {
    const env = { SWARMVOL_TOKEN: "t" };
    expect(loadControllerConfig(env, [])).toMatchObject(defaults);
    expect(loadControllerConfig(env, ["--lease-ttl-ms", "6000", "--fence-grace-ms", "4000", "--leader-lease-ms", "2000"])).toMatchObject({ leaseTtlMs: 6_000, fenceGraceMs: 4_000, leaderLeaseMs: 2_000 });
    expect(() => loadControllerConfig(env, ["--leader-lease-ms", "2000"])).toThrow(/too long for --lease-ttl-ms 3000/);
  });
});
