import { describe, expect, it } from "vitest";
import { isSwarmvolError } from "../../core/errors.js";
import { parseLabArgs } from "./args.js";

describe("parseLabArgs", () => {
  it("parses up with every flag, in both flag forms", () => {
    expect(parseLabArgs(["up", "--nodes", "5", "--managers=3", "--zones", "2", "--bare", "--fast-cloud", "--dir", "/tmp/l"])).toEqual({
      verb: "up", dir: "/tmp/l", nodes: 5, managers: 3, zones: 2, bare: true, fastCloud: true,
    });
  });

  it("leaves unset up flags undefined so the lab's defaults apply", () => {
    expect(parseLabArgs(["up"])).toEqual({ verb: "up", dir: undefined, nodes: undefined, managers: undefined, zones: undefined, bare: false, fastCloud: false });
  });

  it("parses status --json and node verbs with a node name", () => {
    expect(parseLabArgs(["status", "--json"])).toEqual({ verb: "status", dir: undefined, json: true });
    for (const verb of ["kill", "partition", "heal", "restart", "drain"]) {
      expect(parseLabArgs([verb, "node2", "--dir=/d"])).toEqual({ verb, dir: "/d", node: "node2" });
    }
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
