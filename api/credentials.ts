/**
 * The controller's credentials (ADR 0011): one secret, held by every controller replica
 * and by operators, and node tokens derived from it.
 *
 *   node token = `svn1.<nodeId>.<base64url(HMAC-SHA256(secret, "swarmvol node token v1\n" + nodeId))>`
 *
 * Verification is stateless: every replica holds the secret, so a token issued once keeps
 * working across leader changes and restarts, and nothing is stored. Every comparison is
 * constant-time over equal-length digests, so neither the secret's length nor how much of
 * a guess matched shows in the timing. Nothing here logs, and no error message carries a
 * token or any part of one.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { checkNodeId, nodeTokenVersion, operator, parseNodeToken, type Identity } from "../core/identity.js";
import { invalidArgument } from "../core/errors.js";

/** Domain separation: a MAC made for anything else can never pass as a node token. */
const macContext = "swarmvol node token v1\n";

function macOf(secret: string, nodeId: string): Buffer {
  return createHmac("sha256", secret).update(macContext + nodeId).digest();
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** The operator's secret must be one a node token can never be confused with. */
export function checkSecret(secret: string): string {
  if (secret === "") throw invalidArgument("the controllers' secret is empty; put a long random string in SWARMVOL_TOKEN_FILE (like `openssl rand -base64 32`)");
  if (parseNodeToken(secret) !== undefined) {
    throw invalidArgument("SWARMVOL_TOKEN_FILE holds a node token (svn1.…), not the controllers' secret; give the controllers and operators the secret itself");
  }
  return secret;
}

/** The token of node `nodeId` under `secret`; deterministic (issuing it twice gives the same). */
export function issueNodeToken(secret: string, nodeId: string): string {
  checkSecret(secret);
  const id = checkNodeId(nodeId, "NODE_ID");
  return `${nodeTokenVersion}.${id}.${macOf(secret, id).toString("base64url")}`;
}

/**
 * Tells an operator's secret and a node's token from anything else. Built once per
 * controller with its secret; `identify` is what ApiServer calls for every request.
 */
export class Credentials {
  private readonly secretDigest: Buffer;

  constructor(private readonly secret: string) {
    checkSecret(secret);
    this.secretDigest = digest(secret);
  }

  /** The caller a bearer token proves, or undefined for one that proves nobody. */
  identify(token: string): Identity | undefined {
    // Both sides hashed first: equal lengths, so timingSafeEqual never throws and leaks no length.
    if (timingSafeEqual(digest(token), this.secretDigest)) return operator;
    const parts = parseNodeToken(token);
    if (parts === undefined) return undefined;
    // Compared as text, not decoded: base64url decoding ignores a last character's spare
    // bits, and only the one canonical spelling of the MAC is a token.
    const given = Buffer.from(parts.mac);
    const expected = Buffer.from(macOf(this.secret, parts.nodeId).toString("base64url"));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return Object.freeze({ kind: "node", nodeId: parts.nodeId });
  }
}
