import { describe, expect, it } from "vitest";
import { accessDenial, operator, parseNodeToken, type Access, type Identity } from "./identity.js";

const node = (nodeId: string): Identity => ({ kind: "node", nodeId });
const mac = "A".repeat(43);

describe("accessDenial: which identity may call which route for which node", () => {
  it.each<[string, Identity, Access, unknown, string | undefined]>([
    ["anyone on a public route", node("n1"), "public", undefined, undefined],
    ["the operator reads volumes", operator, "authenticated", undefined, undefined],
    ["a node reads volumes", node("n1"), "authenticated", undefined, undefined],
    ["the operator fences", operator, "operator", undefined, undefined],
    ["a node may not fence", node("n1"), "operator", "n2", "PERMISSION_DENIED"],
    ["a node may not fence itself either", node("n1"), "operator", "n1", "PERMISSION_DENIED"],
    ["a node acts for itself", node("n1"), "node", "n1", undefined],
    ["a node may not act for another", node("n1"), "node", "n2", "PERMISSION_DENIED"],
    ["node ids are compared exactly, not by prefix", node("n1"), "node", "n10", "PERMISSION_DENIED"],
    ["node ids are compared exactly, case included", node("n1"), "node", "N1", "PERMISSION_DENIED"],
    ["the operator may not act as a node", operator, "node", "n1", "PERMISSION_DENIED"],
    ["a node route naming no node", node("n1"), "node", undefined, "INVALID_ARGUMENT"],
    ["a node route naming a hostile id", node("n1"), "node", "n1/../x", "INVALID_ARGUMENT"],
  ])("%s", (_what, caller, access, target, code) => {
    expect(accessDenial(caller, access, target)?.code).toBe(code);
  });

  it("names the fix: the node's own token, issued with `swarmvol token node`", () => {
    expect(accessDenial(node("n1"), "node", "n2")?.message).toMatch(/belongs to node n1 .* not for node n2.*`swarmvol token node n2 --out FILE`/);
    expect(accessDenial(operator, "node", "n2")?.message).toMatch(/operator's token is refused here.*`swarmvol token node n2 --out FILE`/);
    expect(accessDenial(node("n1"), "operator", undefined)?.message).toMatch(/operator calls.*SWARMVOL_TOKEN_FILE/);
  });
});

describe("parseNodeToken", () => {
  it.each<[string, string, { nodeId: string; mac: string } | undefined]>([
    ["a Swarm id", `svn1.abcdefghijklmnopqrstuvwxy.${mac}`, { nodeId: "abcdefghijklmnopqrstuvwxy", mac }],
    ["a node id with dots", `svn1.node.one.${mac}`, { nodeId: "node.one", mac }],
    ["another version", `svn2.n1.${mac}`, undefined],
    ["no node id", `svn1..${mac}`, undefined],
    ["no MAC", "svn1.n1", undefined],
    ["a short MAC", `svn1.n1.${mac.slice(1)}`, undefined],
    ["a MAC with padding", `svn1.n1.${mac.slice(2)}==`, undefined],
    ["a hostile node id", `svn1.n1/../x.${mac}`, undefined],
    ["the bare prefix", "svn1.", undefined],
    ["a secret", "s3cret", undefined],
  ])("%s", (_what, token, parts) => {
    expect(parseNodeToken(token)).toEqual(parts);
  });
});
