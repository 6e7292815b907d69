import { describe, expect, it } from "vitest";
import type { CloudAttachment, CloudVolume } from "../../core/cloud.js";
import { TransitionAges } from "./transitionAges.js";

const volume = (id: string, attachments: CloudAttachment[]): CloudVolume => ({ id, zone: "z1", sizeBytes: 1, state: "in-use", attachments, tags: {} });
const on = (instanceId: string, state: CloudAttachment["state"], since?: number): CloudAttachment =>
  ({ instanceId, device: "/dev/xvdba", state, ...(since === undefined ? {} : { since }) });
const sinceOf = (stamped: CloudVolume) => stamped.attachments.map((attachment) => attachment.since);

describe("TransitionAges", () => {
  it("keeps the first time a transition was seen, the cloud's own start when earlier, and none on a settled attachment", () => {
    const ages = new TransitionAges();
    expect(sinceOf(ages.stamp(volume("v", [on("i-1", "detaching"), on("i-2", "attached")]), 100))).toEqual([100, undefined]);
    expect(sinceOf(ages.stamp(volume("v", [on("i-1", "detaching"), on("i-2", "attaching", 40)]), 500))).toEqual([100, 40]);
  });

  it("restarts the clock when the state changes or the attachment left, and forgets settled volumes", () => {
    const ages = new TransitionAges();
    ages.stamp(volume("v", [on("i-1", "attaching")]), 100);
    expect(sinceOf(ages.stamp(volume("v", [on("i-1", "detaching")]), 200))).toEqual([200]);
    ages.stamp(volume("v", []), 300);
    expect(ages.size).toBe(0);
    expect(sinceOf(ages.stamp(volume("v", [on("i-1", "detaching")]), 400))).toEqual([400]);
  });

  it("remembers at most maxEntries volumes: the oldest one's clock restarts, later, never earlier", () => {
    const ages = new TransitionAges({ maxEntries: 2 });
    for (const [id, at] of [["a", 1], ["b", 2], ["c", 3]] as const) ages.stamp(volume(id, [on("i-1", "detaching")]), at);
    expect(ages.size).toBe(2);
    expect(sinceOf(ages.stamp(volume("a", [on("i-1", "detaching")]), 10))).toEqual([10]);
    expect(sinceOf(ages.stamp(volume("c", [on("i-1", "detaching")]), 10))).toEqual([3]);
    expect(() => new TransitionAges({ maxEntries: 0 })).toThrow(TypeError);
  });
});
