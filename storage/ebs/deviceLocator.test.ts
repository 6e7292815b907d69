import { describe, expect, it } from "vitest";
import { isSwarmvolError } from "../../core/errors.js";
import type { Clock, CommandResult, CommandRunner } from "../../core/ports.js";
import { checkSerial, EbsDeviceLocator, nvmeLinkName, type DeviceFs } from "./deviceLocator.js";
import { failure } from "../../test/support/failure.js";

const vol = "vol-0123456789abcdef0";
const link = "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0";

/** Paths → resolved targets; `appearAt` makes a path exist only from that time on. */
class FakeFs implements DeviceFs {
  readonly links = new Map<string, { target: string; appearAt: number }>();
  constructor(private readonly clock: Clock) {}
  add(path: string, target: string, appearAt = 0) {
    this.links.set(path, { target, appearAt });
  }
  async resolve(path: string) {
    const entry = this.links.get(path);
    return entry !== undefined && entry.appearAt <= this.clock.now() ? entry.target : undefined;
  }
}

class FakeRunner implements CommandRunner {
  readonly calls: string[][] = [];
  constructor(private readonly serials: Record<string, string | CommandResult> = {}) {}
  async run(program: string, args: readonly string[]): Promise<CommandResult> {
    this.calls.push([program, ...args]);
    const answer = this.serials[args.at(-1) ?? ""];
    if (answer === undefined) return { code: 0, stdout: "\n", stderr: "" };
    return typeof answer === "string" ? { code: 0, stdout: `${answer}\n`, stderr: "" } : answer;
  }
}

class SteppingClock implements Clock {
  t = 0;
  now() {
    return this.t;
  }
  async sleep(ms: number) {
    this.t += ms;
  }
}

function setup(serials: Record<string, string | CommandResult> = {}, options = {}) {
  const clock = new SteppingClock();
  const fs = new FakeFs(clock);
  const runner = new FakeRunner(serials);
  return { clock, fs, runner, locator: new EbsDeviceLocator(fs, runner, clock, { timeoutMs: 5000, ...options }) };
}


describe("pure helpers", () => {
  it("names the udev by-id link after the id without its dash", () => {
    expect(nvmeLinkName(vol)).toBe("nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0");
  });

  it.each([
    ["vol0123456789abcdef0", "match"],
    ["VOL0123456789ABCDEF0", "match"],
    ["vol0123456789abcdef0_1 vol0123456789abcdef0", "match"],
    ["vol0aaaaaaaaaaaaaaaa", "mismatch"],
    ["vol0123456789abcdef0 vol0aaaaaaaaaaaaaaaa", "mismatch"],
    ["", "none"],
    ["QM00001", "none"],
  ])("serial %j → %s", (serial, verdict) => {
    expect(checkSerial(serial, vol)).toBe(verdict);
  });
});

describe("EbsDeviceLocator", () => {
  it("resolves the by-id link and checks its serial", async () => {
    const { fs, runner, locator } = setup({ "/dev/nvme1n1": "vol0123456789abcdef0" });
    fs.add(link, "/dev/nvme1n1");
    expect(await locator.locate(vol, "/dev/xvdba")).toBe("/dev/nvme1n1");
    expect(runner.calls).toEqual([["lsblk", "--noheadings", "--nodeps", "--output", "SERIAL", "/dev/nvme1n1"]]);
  });

  it("accepts a by-id link to a device without serial (lab loop devices)", async () => {
    const { fs, locator } = setup();
    fs.add(link, "/dev/loop3");
    expect(await locator.locate(vol)).toBe("/dev/loop3");
  });

  it("uses a configurable by-id directory", async () => {
    const { fs, locator } = setup({}, { byIdDir: "/run/svlab/node1/by-id" });
    fs.add("/run/svlab/node1/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0", "/dev/loop7");
    expect(await locator.locate(vol)).toBe("/dev/loop7");
  });

  it("polls until the link appears", async () => {
    const { clock, fs, locator } = setup();
    fs.add(link, "/dev/nvme2n1", 1500);
    expect(await locator.locate(vol)).toBe("/dev/nvme2n1");
    expect(clock.t).toBe(1500);
  });

  it("falls back to the requested device name (Xen, or the ec2-utils alias)", async () => {
    const { fs, locator } = setup();
    fs.add("/dev/xvdba", "/dev/xvdba");
    expect(await locator.locate(vol, "/dev/xvdba")).toBe("/dev/xvdba");
  });

  it("skips the check when lsblk fails", async () => {
    const { fs, locator } = setup({ "/dev/nvme1n1": { code: 32, stdout: "", stderr: "lsblk: not a block device" } });
    fs.add(link, "/dev/nvme1n1");
    expect(await locator.locate(vol)).toBe("/dev/nvme1n1");
  });

  it("never takes a stale link whose serial names another volume, and times out saying so", async () => {
    const { fs, locator } = setup({ "/dev/nvme1n1": "vol0aaaaaaaaaaaaaaaa", "/dev/xvdba": "vol0aaaaaaaaaaaaaaaa" });
    fs.add(link, "/dev/nvme1n1");
    fs.add("/dev/xvdba", "/dev/xvdba");
    const err = await failure(locator.locate(vol, "/dev/xvdba"));
    expect(isSwarmvolError(err, "TIMEOUT")).toBe(true);
    expect((err as Error).message).toMatch(/stale udev link/);
  });

  it("reads the serial from sysfs when it can, spawning no lsblk, and still refuses a stale link", async () => {
    const { fs, runner, clock } = setup();
    const serials: Record<string, string> = { "/dev/nvme1n1": "vol0123456789abcdef0", "/dev/nvme2n1": "vol0aaaaaaaaaaaaaaaa" };
    const withSysfs = Object.assign(fs, { serial: async (device: string) => serials[device] ?? "" });
    const locator = new EbsDeviceLocator(withSysfs, runner, clock, { timeoutMs: 1000 });
    fs.add(link, "/dev/nvme1n1");
    expect(await locator.locate(vol)).toBe("/dev/nvme1n1");
    fs.add(link, "/dev/nvme2n1");
    expect(isSwarmvolError(await failure(locator.locate(vol)), "TIMEOUT")).toBe(true);
    expect(runner.calls).toEqual([]);
  });

  it("refuses a by-id link that resolves outside /dev", async () => {
    const { fs, locator } = setup();
    fs.add(link, "/tmp/evil");
    expect(isSwarmvolError(await failure(locator.locate(vol)), "UNSAFE")).toBe(true);
  });

  it("times out, retryable, when nothing shows up", async () => {
    const { clock, locator } = setup();
    const err = await failure(locator.locate(vol, "/dev/xvdba"));
    expect(isSwarmvolError(err, "TIMEOUT") && err.retryable).toBe(true);
    expect(clock.t).toBe(5000);
  });
});
