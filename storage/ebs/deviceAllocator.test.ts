import { describe, expect, it } from "vitest";
import { isSwarmvolError } from "../../core/errors.js";
import { DeviceAllocator, defaultDeviceNames } from "./deviceAllocator.js";

const minute = 60_000;

describe("defaultDeviceNames", () => {
  it("lists 52 names from /dev/xvdba to /dev/xvdcz", () => {
    const names = defaultDeviceNames();
    expect(names).toHaveLength(52);
    expect(names[0]).toBe("/dev/xvdba");
    expect(names.at(-1)).toBe("/dev/xvdcz");
    expect(new Set(names).size).toBe(52);
  });
});

describe("DeviceAllocator", () => {
  it("hands out names in order, one per attach, per instance", () => {
    const a = new DeviceAllocator();
    expect(a.allocate("i-1", 0)).toBe("/dev/xvdba");
    expect(a.allocate("i-1", 0)).toBe("/dev/xvdbb");
    expect(a.allocate("i-2", 0)).toBe("/dev/xvdba");
  });

  it("never reuses a name in use", () => {
    const a = new DeviceAllocator({ names: ["/dev/xvdba", "/dev/xvdbb"] });
    const first = a.allocate("i-1", 0);
    a.markInUse("i-1", first);
    expect(a.allocate("i-1", 10 * 60 * minute)).toBe("/dev/xvdbb");
  });

  it("rests a released name for the cooldown, then reuses it", () => {
    const a = new DeviceAllocator({ names: ["/dev/xvdba", "/dev/xvdbb"], cooldownMs: 5 * minute });
    a.markInUse("i-1", a.allocate("i-1", 0));
    a.release("i-1", "/dev/xvdba", 0);
    expect(a.allocate("i-1", minute)).toBe("/dev/xvdbb");
    a.release("i-1", "/dev/xvdbb", minute);
    expect(() => a.allocate("i-1", 4 * minute)).toThrow(/no free device name on instance i-1/);
    expect(a.allocate("i-1", 5 * minute)).toBe("/dev/xvdba");
  });

  it("avoids a bad name for badMs and picks another", () => {
    const a = new DeviceAllocator({ badMs: 30 * minute });
    const name = a.allocate("i-1", 0);
    a.markBad("i-1", name, 0);
    expect(a.allocate("i-1", 0)).toBe("/dev/xvdbb");
    expect(a.stateOf("i-1", 0)).toEqual({ "/dev/xvdba": "bad", "/dev/xvdbb": "reserved" });
    expect(a.allocate("i-1", 30 * minute)).toBe("/dev/xvdba");
  });

  it("cancel frees a reservation at once, but not an attached name", () => {
    const a = new DeviceAllocator();
    const name = a.allocate("i-1", 0);
    a.cancel("i-1", name);
    expect(a.allocate("i-1", 0)).toBe(name);
    a.markInUse("i-1", name);
    a.cancel("i-1", name);
    expect(a.allocate("i-1", 0)).toBe("/dev/xvdbb");
  });

  it("throws LIMIT_EXCEEDED when every name is taken", () => {
    const a = new DeviceAllocator({ names: ["/dev/xvdba"] });
    a.allocate("i-1", 0);
    let error: unknown;
    try {
      a.allocate("i-1", 0);
    } catch (err) {
      error = err;
    }
    expect(isSwarmvolError(error, "LIMIT_EXCEEDED")).toBe(true);
  });

  it("observe marks seen devices in use and, when complete, rests ours that vanished", () => {
    const a = new DeviceAllocator({ cooldownMs: minute });
    a.markInUse("i-1", "/dev/xvdba");
    a.markInUse("i-1", "/dev/xvdbb");
    const reserved = a.allocate("i-1", 0);
    a.observe([{ instanceId: "i-1", device: "/dev/xvdbb" }, { instanceId: "i-2", device: "/dev/xvdbd" }], 0, true);
    expect(a.stateOf("i-1", 0)).toEqual({ "/dev/xvdba": "cooldown", "/dev/xvdbb": "in-use", [reserved]: "reserved" });
    expect(a.stateOf("i-2", 0)).toEqual({ "/dev/xvdbd": "in-use" });
    expect(a.stateOf("i-1", minute)["/dev/xvdba"]).toBe("free");
  });

  it("observe of a partial describe releases nothing", () => {
    const a = new DeviceAllocator();
    a.markInUse("i-1", "/dev/xvdba");
    a.observe([], 0, false);
    expect(a.stateOf("i-1", 0)).toEqual({ "/dev/xvdba": "in-use" });
  });
});
