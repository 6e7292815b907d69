import { describe, expect, it } from "vitest";
import { normalizeInstances } from "./config.js";
import { findOverlaps, type CloudEvent } from "./eventLog.js";
import { applyFaultsPatch, defaultFaults, injectedError } from "./faults.js";
import { applyFilters, paginate } from "./filters.js";
import { byIdName } from "./loopDevices.js";
import { resourceId, seededRng } from "./rng.js";
import { el, errorXml, escapeXml, list } from "./xml.js";

describe("xml", () => {
  it("escapes values and renders empty elements and lists", () => {
    expect(escapeXml(`a<b>&"c'`)).toBe("a&lt;b&gt;&amp;&quot;c&apos;");
    expect(el("snapshotId", "")).toBe("<snapshotId/>");
    expect(el("iops", undefined)).toBe("");
    expect(list("volumeSet", [], () => "")).toBe("<volumeSet/>");
    expect(list("s", [1, 2], (n) => el("n", n))).toBe("<s><item><n>1</n></item><item><n>2</n></item></s>");
    expect(errorXml("X", "m<", "r")).toContain("<Code>X</Code><Message>m&lt;</Message>");
  });
});

describe("filters and pagination", () => {
  const items = [{ id: "b", z: "1a" }, { id: "a", z: "1b" }, { id: "c", z: "1a" }];
  const read = (i: { id: string; z: string }, name: string) => (name === "zone" ? [i.z] : [i.id]);

  it("ORs values, ANDs filters, supports wildcards and rejects unknown names", () => {
    expect(applyFilters(items, [{ name: "zone", values: ["1a"] }], ["zone", "id"], read).map((i) => i.id)).toEqual(["b", "c"]);
    expect(applyFilters(items, [{ name: "zone", values: ["1*"] }, { name: "id", values: ["a", "c"] }], ["zone", "id"], read)
      .map((i) => i.id)).toEqual(["a", "c"]);
    expect(() => applyFilters(items, [{ name: "size", values: ["1"] }], ["zone"], read)).toThrow(/filter 'size' is invalid/);
  });

  it("pages in key order and survives deletion between pages", () => {
    const first = paginate(items, (i) => i.id, 2);
    expect(first.items.map((i) => i.id)).toEqual(["a", "b"]);
    const rest = paginate(items.filter((i) => i.id !== "b"), (i) => i.id, 2, first.nextToken);
    expect(rest).toEqual({ items: [{ id: "c", z: "1a" }] });
    expect(() => paginate(items, (i) => i.id, 2, "!!")).toThrow(/pagination token/);
  });
});

describe("findOverlaps", () => {
  const ev = (seq: number, type: CloudEvent["type"], instanceId: string): CloudEvent =>
    ({ seq, time: "", type, volumeId: "vol-1", instanceId });

  it("accepts attach → detach → attach elsewhere", () => {
    expect(findOverlaps([ev(1, "attach-requested", "i-a"), ev(2, "attached", "i-a"), ev(3, "detached", "i-a"), ev(4, "attach-requested", "i-b")])).toEqual([]);
  });

  it("flags an attach while another instance holds the volume", () => {
    expect(findOverlaps([ev(1, "attach-requested", "i-a"), ev(2, "detach-busy", "i-a"), ev(3, "attach-requested", "i-b")]))
      .toEqual([{ volumeId: "vol-1", holder: "i-a", intruder: "i-b", seq: 3 }]);
  });
});

describe("config, faults, ids", () => {
  it("derives a stable instance id from the name and validates entries", () => {
    const [a] = normalizeInstances([{ name: "n1", zone: "z", deviceDir: "/d", privateIp: "10.0.0.1" }]);
    expect(a?.instanceId).toMatch(/^i-0[0-9a-f]{16}$/);
    expect(normalizeInstances([{ name: "n1", zone: "z", deviceDir: "/d", privateIp: "10.0.0.1" }])[0]?.instanceId).toBe(a?.instanceId);
    expect(() => normalizeInstances([{ name: "n1", zone: "z" }])).toThrow(/deviceDir/);
    expect(() => normalizeInstances([{ instanceId: "bad", name: "n", zone: "z", deviceDir: "/d", privateIp: "x" }])).toThrow(/instance id/);
  });

  it("patches faults and consumes the next-N counters", () => {
    const f = applyFaultsPatch(defaultFaults(), { throttleNext: 1, actions: ["AttachVolume"] });
    const rng = seededRng(1);
    expect(injectedError(f, "DescribeVolumes", rng)).toBeUndefined();
    expect(injectedError(f, "AttachVolume", rng)?.code).toBe("RequestLimitExceeded");
    expect(injectedError(f, "AttachVolume", rng)).toBeUndefined();
    expect(() => applyFaultsPatch(f, { latencyMs: { warp: 1 } as never })).toThrow(TypeError);
  });

  it("makes AWS-shaped ids deterministically from a seed, and by-id names", () => {
    expect(resourceId(seededRng(7), "vol")).toBe(resourceId(seededRng(7), "vol"));
    expect(byIdName("vol-0123456789abcdef0")).toBe("nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0");
  });
});

describe("startCloud", () => {
  it("refuses wildcard addresses and reports a taken port", async () => {
    const { startCloud } = await import("./index.js");
    const instances = [{ name: "n1", zone: "us-east-1a", deviceDir: "/nonexistent", privateIp: "10.0.0.1" }];
    await expect(startCloud({ instances, host: "0.0.0.0" })).rejects.toThrow(/specific address/);
    const first = await startCloud({ instances });
    try {
      const port = Number(new URL(first.endpoint).port);
      await expect(startCloud({ instances, port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
