import { describe, expect, it } from "vitest";
import { silentLogger } from "../../core/ports.js";
import { ErrorCode, isSwarmvolError } from "../../core/errors.js";
import { fakeHost } from "../../test/fakes/fakeHostRunner.js";
import { ensureHostPackages, installCommand, type HostPackageOptions, LAB_HOST_TOOLS, locateTool, missingHostTools } from "./hostPackages.js";

const root = { isRoot: () => true };

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

describe("host packages", () => {
  it("looks tools up through PATH without splicing the name into the script", async () => {
    const host = fakeHost(["iptables"]);
    expect(await locateTool(host.runner, "ip")).toBe("/usr/bin/ip");
    expect(await locateTool(host.runner, "iptables")).toBeNull();
    expect(host.calls[0]).toEqual(["sh", "-c", 'command -v -- "$1"', "sh", "ip"]);
  });

  it("names each missing package once", async () => {
    const host = fakeHost(["nsenter", "unshare", "iptables"]);
    expect(await missingHostTools(host.runner, LAB_HOST_TOOLS)).toEqual({
      tools: ["iptables", "nsenter", "unshare"], packages: ["iptables", "util-linux"],
    });
  });

  it("does nothing when every tool is there", async () => {
    const host = fakeHost([]);
    await ensureHostPackages(host.runner, silentLogger, LAB_HOST_TOOLS, root);
    expect(host.aptCalls()).toEqual([]);
  });

  it("installs a missing iptables with apt-get, update first, non-interactive", async () => {
    const host = fakeHost(["iptables"]);
    await ensureHostPackages(host.runner, silentLogger, LAB_HOST_TOOLS, root);
    expect(host.aptCalls()).toEqual(["update", "install -y --no-install-recommends iptables"]);
    expect(host.calls.filter((c) => c[0] === "env").every((c) => c[1] === "DEBIAN_FRONTEND=noninteractive")).toBe(true);
  });

  it("still installs when apt-get update fails", async () => {
    const host = fakeHost(["dockerd", "iptables"], { updateFails: true });
    await ensureHostPackages(host.runner, silentLogger, LAB_HOST_TOOLS, root);
    expect(host.aptCalls()).toEqual(["update", "install -y --no-install-recommends iptables docker.io"]);
  });

  it("fails with UNAVAILABLE naming the exact install command when apt-get install fails", async () => {
    const host = fakeHost(["dockerd", "iptables"], { installFails: true });
    const err = await rejection(ensureHostPackages(host.runner, silentLogger, LAB_HOST_TOOLS, root));
    expect(isSwarmvolError(err, ErrorCode.Unavailable)).toBe(true);
    expect(err.message).toContain(installCommand(["iptables", "docker.io"]));
    expect(err.message).toContain("Unable to locate package");
  });

  const refusals: [string, HostPackageOptions, string][] = [
    ["not root", { isRoot: () => false }, "not running as root"],
    ["installing turned off", { install: false, isRoot: () => true }, "installing is turned off"],
  ];
  it.each(refusals)("does not run apt-get when %s, and names the command", async (_case, options, reason) => {
    const host = fakeHost(["iptables"]);
    const err = await rejection(ensureHostPackages(host.runner, silentLogger, LAB_HOST_TOOLS, options));
    expect(isSwarmvolError(err, ErrorCode.Unavailable)).toBe(true);
    expect(err.message).toContain(reason);
    expect(err.message).toContain("`apt-get update && apt-get install -y --no-install-recommends iptables`");
    expect(host.aptCalls()).toEqual([]);
  });

  it("says so when apt-get itself is missing", async () => {
    const host = fakeHost(["iptables", "apt-get"]);
    const err = await rejection(ensureHostPackages(host.runner, silentLogger, LAB_HOST_TOOLS, root));
    expect(err.message).toContain("apt-get not found");
    expect(host.aptCalls()).toEqual([]);
  });
});
