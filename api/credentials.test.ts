import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkSecret, Credentials, issueNodeToken } from "./credentials.js";

const secret = "a-long-random-secret";
const credentials = new Credentials(secret);

describe("node tokens", () => {
  it("are svn1.<nodeId>.<base64url HMAC-SHA256 of the context and the node id>, the same every time", () => {
    const mac = createHmac("sha256", secret).update("swarmvol node token v1\nn1").digest("base64url");
    expect(issueNodeToken(secret, "n1")).toBe(`svn1.n1.${mac}`);
    expect(issueNodeToken(secret, "n1")).toBe(issueNodeToken(secret, "n1"));
  });

  it("identify their node; the secret identifies the operator", () => {
    expect(credentials.identify(issueNodeToken(secret, "n1"))).toEqual({ kind: "node", nodeId: "n1" });
    expect(credentials.identify(issueNodeToken(secret, "node.two"))).toEqual({ kind: "node", nodeId: "node.two" });
    expect(credentials.identify(secret)).toEqual({ kind: "operator" });
  });

  it("prove nobody when forged, altered, moved to another node, or made with another secret", () => {
    const real = issueNodeToken(secret, "n1");
    const mac = real.split(".")[2] ?? "";
    const flipped = `${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`;
    for (const token of [
      issueNodeToken("another-secret", "n1"), `svn1.n2.${mac}`, `svn1.n1.${flipped}`, `svn1.n1.${"A".repeat(43)}`,
      `${real}x`, real.slice(0, -1), real.replace("svn1", "svn2"), `svn1.n1.${mac}.x`, "", `${secret} `, secret.slice(0, -1), "svn1.",
    ]) expect([token, credentials.identify(token)]).toEqual([token, undefined]);
  });

  it("accept only the canonical spelling of the MAC (decoding would ignore a last character's spare bits)", () => {
    const real = issueNodeToken(secret, "n1");
    const last = real.at(-1) ?? "";
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] ?? "";
    expect(credentials.identify(`${real.slice(0, -1)}${sibling}`)).toBeUndefined();
  });

  it("are refused as a secret, and need a node id a Swarm node could have", () => {
    expect(() => checkSecret(issueNodeToken(secret, "n1"))).toThrow(/holds a node token/);
    expect(() => new Credentials("")).toThrow(/secret is empty/);
    expect(() => issueNodeToken(secret, "n1/../x")).toThrow(/not a Swarm node id/);
  });
});
