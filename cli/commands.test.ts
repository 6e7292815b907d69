import { describe, expect, it } from "vitest";
import { controllerSettings } from "../core/clusterConfig.js";
import { settingsUsage, usage } from "./commands.js";

describe("swarmvol controller --help", () => {
  const text = settingsUsage("swarmvol controller", controllerSettings);

  it("lists every controller setting with its variable, and the fencing clocks with their defaults", () => {
    for (const setting of Object.values(controllerSettings)) expect(text).toContain(setting.flag);
    expect(text).toMatch(/--lease-ttl-ms +SWARMVOL_LEASE_TTL_MS +\(default 3000\)/);
    expect(text).toMatch(/--fence-grace-ms +SWARMVOL_FENCE_GRACE_MS +\(default 2000\)/);
    expect(text).toMatch(/--leader-lease-ms +SWARMVOL_LEADER_LEASE_MS +\(default 1000\)/);
    expect(text).toMatch(/--drain-fenced +SWARMVOL_DRAIN_FENCED +\(default on\)/);
  });

  it("is named in the general usage", () => {
    expect(usage).toContain("swarmvol controller --help");
    expect(usage).toContain("--lease-ttl-ms 3000");
  });
});
