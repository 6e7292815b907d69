import { describe, expect, it } from "vitest";
import { isSwarmvolError } from "../../core/errors.js";
import { parseLabArgs } from "./args.js";

describe("parseLabArgs", () => {
  it("parses up with every flag, in both flag forms", () => {
    expect(parseLabArgs(["up", "--nodes", "5", "--managers=3", "--zones", "2", "--bare", "--fast-cloud", "--no-install", "--dir", "/tmp/l"])).toEqual({
      verb: "up", dir: "/tmp/l", nodes: 5, managers: 3, zones: 2, bare: true, fastCloud: true, install: false,
    });
  });

  it("leaves unset up flags undefined so the lab's defaults apply", () => {
    expect(parseLabArgs(["up"])).toEqual({ verb: "up", dir: undefined, nodes: undefined, managers: undefined, zones: undefined, bare: false, fastCloud: false, install: true });
  });

  it("parses status --json and node verbs with a node name", () => {
    expect(parseLabArgs(["status", "--json"])).toEqual({ verb: "status", dir: undefined, json: true });
    for (const verb of ["kill", "partition", "heal", "restart", "drain", "freeze-agent", "thaw-agent"]) {
      expect(parseLabArgs([verb, "node2", "--dir=/d"])).toEqual({ verb, dir: "/d", node: "node2" });
    }
  });

  it("parses fence-mode self|power and nothing else", () => {
    expect(parseLabArgs(["fence-mode", "power"])).toEqual({ verb: "fence-mode", dir: undefined, mode: "power" });
    expect(parseLabArgs(["fence-mode", "self", "--dir", "/d"])).toEqual({ verb: "fence-mode", dir: "/d", mode: "self" });
    expect(() => parseLabArgs(["fence-mode", "stonith"])).toThrow(/takes self or power/);
    expect(() => parseLabArgs(["fence-mode"])).toThrow(/takes self or power/);
  });

  it("parses the controller-replica verbs: optional node, SIGKILL unless --term, rolling SIGTERM unless --kill", () => {
    expect(parseLabArgs(["kill-controller"])).toEqual({ verb: "kill-controller", dir: undefined, node: undefined, signal: "SIGKILL" });
    expect(parseLabArgs(["kill-controller", "node2", "--term", "--dir", "/d"])).toEqual({ verb: "kill-controller", dir: "/d", node: "node2", signal: "SIGTERM" });
    expect(parseLabArgs(["start-controller"])).toEqual({ verb: "start-controller", dir: undefined, node: undefined });
    expect(parseLabArgs(["start-controller", "node3"])).toEqual({ verb: "start-controller", dir: undefined, node: "node3" });
    expect(parseLabArgs(["restart-controllers"])).toEqual({ verb: "restart-controllers", dir: undefined, signal: "SIGTERM" });
    expect(parseLabArgs(["restart-controllers", "--kill"])).toEqual({ verb: "restart-controllers", dir: undefined, signal: "SIGKILL" });
    expect(() => parseLabArgs(["restart-controllers", "node1"])).toThrow(/takes no arguments/);
    expect(() => parseLabArgs(["kill-controller", "node1", "node2"])).toThrow(/at most a node name/);
    expect(() => parseLabArgs(["start-controller", "--term"])).toThrow(/--term does not apply/);
  });

  it("returns help for no arguments or --help", () => {
    expect(parseLabArgs([])).toEqual({ verb: "help" });
    expect(parseLabArgs(["up", "--help"])).toEqual({ verb: "help" });
  });

  it.each([
    [["bogus"], "unknown lab command"],
    [["up", "--nodes"], "--nodes needs a value"],
    [["up", "--nodes", "three"], "whole number"],
    [["up", "--json"], "does not apply"],
    [["kill"], "a node name"],
    [["kill", "a", "b"], "a node name"],
    [["down", "extra"], "no arguments"],
    [["status", "--verbose"], "unknown option"],
  ])("rejects %j with INVALID_ARGUMENT (%s)", (argv, message) => {
    let caught: unknown;
    try {
      parseLabArgs(argv);
    } catch (err) {
      caught = err;
    }
    expect(isSwarmvolError(caught, "INVALID_ARGUMENT")).toBe(true);
    expect((caught as Error).message).toContain(message);
  });
});
