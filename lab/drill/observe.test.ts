import { describe, expect, it } from "vitest";
import { leaderHint, replicaOrder } from "./observe.js";

const urls = ["http://10.213.0.11:7750", "http://10.213.0.12:7750", "http://10.213.0.13:7750"];

describe("controller reads follow the leader", () => {
  it("asks the replica that answered last first, then the others in replica order", () => {
    expect(replicaOrder(urls, undefined)).toEqual(urls);
    expect(replicaOrder(urls, urls[2])).toEqual([urls[2], urls[0], urls[1]]);
    expect(replicaOrder(urls, "http://elsewhere:7750")).toEqual(urls);
  });

  it("reads the leader a standby's 503 names, and nothing from other bodies", () => {
    expect(leaderHint(JSON.stringify({ error: { code: "UNAVAILABLE", message: "standby", leader: urls[1] } }))).toBe(urls[1]);
    expect(leaderHint(JSON.stringify({ error: { code: "UNAVAILABLE", message: "no leader yet" } }))).toBeUndefined();
    expect(leaderHint(JSON.stringify({ error: { code: "UNAVAILABLE", message: "x", leader: "" } }))).toBeUndefined();
    expect(leaderHint("<html>bad gateway</html>")).toBeUndefined();
  });
});
