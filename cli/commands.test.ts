import { describe, expect, it } from "vitest";
import { controllerSettings } from "../core/clusterConfig.js";
import { daemonCommandLine } from "./daemonCommands.js";
import { usage } from "./commands.js";

describe("swarmvol controller --help", () => {
  const command = daemonCommandLine("controller", controllerSettings, { summary: "a controller replica", usage: "", examples: [] }, async () => 0, { code: 0 });
  // One line per option, however narrow the terminal: commander wraps at the width given.
  const text = command.configureHelp({ helpWidth: 400 }).helpInformation();

  /** The help line of one flag. */
  const lineOf = (flag: string): string => text.split("\n").find((line) => line.trimStart().startsWith(`${flag} `)) ?? "";

  it("lists every controller setting with its variable, and the fencing clocks with their defaults and uses", () => {
    for (const setting of Object.values(controllerSettings)) expect(lineOf(setting.flag)).toContain(setting.env);
    expect(lineOf("--lease-ttl-ms")).toMatch(/agent lease; .*default 3000/);
    expect(lineOf("--fence-grace-ms")).toContain("default 2000");
    expect(lineOf("--leader-lease-ms")).toContain("default 1000");
    expect(lineOf("--drain-fenced")).toMatch(/drain.*default on/);
  });

  it("is named in the general usage", () => {
    expect(usage).toContain("swarmvol controller --help");
    expect(usage).toContain("--lease-ttl-ms 3000");
  });
});
