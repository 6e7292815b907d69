import { describe, expect, it } from "vitest";
import { hostRunner, missingProgramMessage } from "./host.js";

describe("host runner", () => {
  it("names the Debian package and install command of a missing lab tool", () => {
    expect(missingProgramMessage("iptables")).toBe(
      "iptables not found on PATH (Debian package iptables: as root, run `apt-get update && apt-get install -y --no-install-recommends iptables`)",
    );
    expect(missingProgramMessage("dockerd")).toContain("Debian package docker.io");
    expect(missingProgramMessage("no-such-tool")).toBe("no-such-tool not found on PATH");
  });

  it("reports a program that is not on PATH as exit 127 with that message, not `spawn … ENOENT`", async () => {
    const result = await hostRunner.run("swarmvol-test-no-such-program", ["x"]);
    expect(result.code).toBe(127);
    expect(result.stderr).toBe("swarmvol-test-no-such-program not found on PATH");
  });
});
