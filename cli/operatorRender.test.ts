import { describe, expect, it } from "vitest";
import type { NodeView } from "../core/placement.js";
import type { VolumeRecord } from "../core/volume.js";
import { leaseState, movePhases, renderNodes, renderStatus, renderVolume, renderVolumes, roleOf, table } from "./operatorRender.js";

const now = Date.parse("2026-11-22T10:00:00.000Z");
const node = (over: Partial<NodeView>): NodeView => ({ nodeId: "n1", hostname: "node1", swarmState: "ready", mounted: [], ...over });
const volume = (name: string, over: Partial<VolumeRecord["status"]> = {}): VolumeRecord => ({
  uid: `u-${name}`, createdAt: "2026-11-22T09:00:00.000Z",
  spec: { name, backend: "ebs", sizeBytes: 20 * 1024 ** 3, fsType: "xfs", options: {} },
  status: { phase: "ready", fresh: false, epoch: 1, ...over },
});

describe("table", () => {
  it("pads every column but the last to its widest cell, two spaces apart", () => {
    expect(table(["A", "BB", "C"], [["xxx", "y", "z"], ["", "yyyy", ""]])).toBe("A    BB    C\nxxx  y     z\n     yyyy\n");
  });
});

describe("leaseState", () => {
  it.each<[string, Partial<NodeView>, string]>([
    ["no agent ever heard", {}, "never"],
    ["a lease that lapses later", { leaseExpiresAt: now + 1 }, "live"],
    ["a lease that lapsed at now", { leaseExpiresAt: now }, "expired"],
    ["an unheard node within the takeover's ttl", { leaseExpiresAt: now + 1, unheard: true }, "assumed"],
    ["an unheard node past it", { leaseExpiresAt: now - 1, unheard: true }, "expired"],
  ])("%s is %s", (_what, over, state) => {
    expect(leaseState(node(over), now)).toBe(state);
  });
});

describe("renderNodes and renderVolumes", () => {
  it("shows every column, unknown mounts of an unheard node as ?, sorted by hostname", () => {
    const text = renderNodes([
      node({ nodeId: "n2", hostname: "node2", unheard: true, leaseExpiresAt: now + 5, instanceId: "i-2", zone: "z2", operatorFenced: true }),
      node({ leaseExpiresAt: now - 5, instanceId: "i-1", zone: "z1", mounted: ["db", "web"] }),
    ], now);
    expect(text.split("\n")).toEqual([
      "NODE  HOSTNAME  SWARM  LEASE    INSTANCE  ZONE  MOUNTED  FENCED",
      "n1    node1     ready  expired  i-1       z1    db,web   no",
      "n2    node2     ready  assumed  i-2       z2    ?        yes",
      "",
    ]);
  });

  it("says so when there is nothing to list", () => {
    expect(renderNodes([], now)).toMatch(/^no nodes known/);
    expect(renderVolumes([])).toMatch(/^no volumes yet; create one with docker volume create -d swarmvol NAME/);
  });

  it("inspect without a move or grant prints - and OK, and no phase lines", () => {
    const text = renderVolume(volume("db"));
    expect(text).toMatch(/^Options: +-$/m);
    expect(text).toMatch(/^GrantedTo: +-$/m);
    expect(text).toMatch(/^Condition: +OK$/m);
    expect(text).not.toMatch(/t2 seen/);
  });
});

describe("a multi-writer share's holders", () => {
  const holders = ["n1", "n2"].map((nodeId) => ({ nodeId, instanceId: `i-${nodeId}`, device: `efs://10.0.0.${nodeId.slice(1)}/fs-1/fsap-1/s`, epoch: 1, since: "t" }));

  it("ls lists every holder in GRANTED TO; inspect prints one GrantedTo line each", () => {
    expect(renderVolumes([volume("shared", { holders })]).split("\n")[1]).toMatch(/^shared +20GiB +xfs +1 +n1,n2 +- +OK$/);
    const lines = renderVolume(volume("shared", { holders })).split("\n").filter((line) => line.startsWith("GrantedTo:"));
    expect(lines.map((line) => line.replace(/^GrantedTo: +/, ""))).toEqual([
      "n1 (instance i-n1, efs://10.0.0.1/fs-1/fsap-1/s, epoch 1, since t)",
      "n2 (instance i-n2, efs://10.0.0.2/fs-1/fsap-1/s, epoch 1, since t)",
    ]);
  });
});

describe("inspect with earlier moves", () => {
  it("prints the last move's phases, then each earlier move's headline, newest first", () => {
    const last = { fromNode: "n2", toNode: "n3", t2Seen: 3_000, t5Attached: 5_000, forced: true };
    const earlier = [{ fromNode: "n1", toNode: "n2", t2Seen: 2_000, forced: false }, { toNode: "n1", t2Seen: 1_000, forced: false }];
    const lines = renderVolume(volume("db", { lastMove: last, earlierMoves: earlier })).trimEnd().split("\n");
    expect(lines.slice(-3)).toEqual([
      `${" ".repeat(13)}t7 mounted  -`,
      "EarlierMove: n1 -> n2, seen 1970-01-01T00:00:02.000Z",
      "EarlierMove: (nowhere) -> n1, seen 1970-01-01T00:00:01.000Z",
    ]);
    expect(lines).toContain("LastMove:    n2 -> n3 (forced), seen 1970-01-01T00:00:03.000Z");
  });
});

describe("movePhases", () => {
  it("prints each phase as seconds after t2, a phase not reached as -", () => {
    expect(movePhases({ toNode: "n2", t2Seen: 1000, t4Detached: 3090, t7Mounted: 12_345, forced: false }, 0)).toBe(
      "t2 seen     +0.00s\nt3 fenced   -\nt4 detached +2.09s\nt5 attached -\nt6 verified -\nt7 mounted  +11.35s\n",
    );
  });
});

describe("renderStatus", () => {
  it("names the serving replica, or the leader the standbys name when none serves", () => {
    const standby = { url: "http://a:7750", health: { status: "ok" as const, mode: "controller" as const, role: "standby" as const, leader: "http://b:7750", replica: "a-1" } };
    const dead = { url: "http://b:7750", error: "controller at http://b:7750 unreachable: connect ECONNREFUSED" };
    expect(renderStatus([standby, dead])).toBe([
      "CONTROLLER     ROLE         REPLICA  LEADER (or error)",
      "http://a:7750  standby      a-1      http://b:7750",
      "http://b:7750  unreachable  -        controller at http://b:7750 unreachable: connect ECONNREFUSED",
      "no replica asked is serving; the standbys name http://b:7750 as leader",
      "",
    ].join("\n"));
    const allInOne = { url: "http://127.0.0.1:7750", health: { status: "ok" as const, mode: "all-in-one" as const } };
    expect(roleOf(allInOne)).toBe("all-in-one");
    expect(renderStatus([allInOne])).toMatch(/serving: http:\/\/127\.0\.0\.1:7750\n$/);
  });
});
