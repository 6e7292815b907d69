/**
 * Who is calling the controller's API, and what each caller may do (ADR 0011). Pure: the
 * tokens themselves are checked in api/credentials.ts (HMAC, constant time); this module
 * holds the rule "which identity may call which route for which node", the shape of a
 * node token, and the words of every refusal, each naming its fix.
 *
 * - The **operator** holds the controllers' secret: `swarmvol ls|fence|unfence|status`.
 * - A **node** holds `svn1.<nodeId>.<mac>`, issued by `swarmvol token node <nodeId>`: its
 *   agent may act for that node only. An operator's token is refused on node-scoped
 *   routes, so no node ever needs the secret.
 */
import { invalidArgument, permissionDenied, SwarmvolError } from "./errors.js";

export type Identity = { readonly kind: "operator" } | { readonly kind: "node"; readonly nodeId: string };

export const operator: Identity = Object.freeze({ kind: "operator" });

/**
 * What a route demands of its caller:
 * - `public`: nobody needs a token (health, metrics);
 * - `authenticated`: any valid token (volume reads, create, remove, formatted: Docker on
 *   any node and the operator do these);
 * - `operator`: the operator's token only (fence, unfence, the node list);
 * - `node`: a node's token, for the node the request names (path or body), never the
 *   operator's (heartbeat, claims, wanted, release, formatted).
 */
export type Access = "public" | "authenticated" | "operator" | "node";

/** Swarm node ids are 25 letters and digits; tests and labs use short names. Bounded, linear. */
export const nodeIdPattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/** First part of every node token; bump it (and the MAC's context) to change the format. */
export const nodeTokenVersion = "svn1";

/** The parts of a node token, unchecked: only the controller's secret can tell a real one. */
export interface NodeTokenParts {
  nodeId: string;
  /** base64url of the HMAC-SHA256 (43 characters). */
  mac: string;
}

const macPattern = /^[A-Za-z0-9_-]{43}$/;

/**
 * `svn1.<nodeId>.<mac>` split into its parts, or undefined when it is not shaped like one.
 * The node id may hold dots; the MAC (base64url) never does, so it is after the last one.
 */
export function parseNodeToken(token: string): NodeTokenParts | undefined {
  const prefix = `${nodeTokenVersion}.`;
  if (!token.startsWith(prefix)) return undefined;
  const rest = token.slice(prefix.length);
  const dot = rest.lastIndexOf(".");
  const nodeId = rest.slice(0, dot);
  const mac = rest.slice(dot + 1);
  if (dot < 0 || !nodeIdPattern.test(nodeId) || !macPattern.test(mac)) return undefined;
  return { nodeId, mac };
}

/** What is wrong with a node id given as `field`, or undefined when it is one. */
function nodeIdProblem(value: unknown, field: string): SwarmvolError | undefined {
  if (typeof value !== "string" || value === "") return invalidArgument(`field "${field}" must be a non-empty string`);
  if (nodeIdPattern.test(value)) return undefined;
  return invalidArgument(`field "${field}" is not a Swarm node id (letters, digits, "_.-", at most 128): ${JSON.stringify(value.slice(0, 40))}`);
}

/** A node id as the API and the CLI take it; INVALID_ARGUMENT names the field. */
export function checkNodeId(value: unknown, field: string): string {
  const problem = nodeIdProblem(value, field);
  if (problem !== undefined) throw problem;
  return value as string;
}

/** How to get a node its own token: the words every refusal of a node ends with. */
export function issueHint(nodeId: string): string {
  return `issue its own token on a manager with \`swarmvol token node ${nodeId} --out FILE\` and give that file to its agent (SWARMVOL_TOKEN_FILE)`;
}

/**
 * Whether `caller` may call a route with `access` for the node `target` (the node id the
 * request names in its path or body; ignored but for `node` routes). Undefined: allowed;
 * otherwise the error to answer with: PERMISSION_DENIED naming the fix, or
 * INVALID_ARGUMENT for a node route whose request names no node id at all. The caller is
 * already authenticated: a missing or bad token never gets this far.
 */
export function accessDenial(caller: Identity, access: Access, target: unknown): SwarmvolError | undefined {
  if (access === "public" || access === "authenticated") return undefined;
  if (access === "operator") {
    if (caller.kind === "operator") return undefined;
    return permissionDenied(
      `node ${caller.nodeId}'s token may not make operator calls (fence, unfence, the node list); `
        + "run the operator command with the controllers' secret in SWARMVOL_TOKEN_FILE",
      { nodeId: caller.nodeId },
    );
  }
  const problem = nodeIdProblem(target, "node id");
  if (problem !== undefined) return problem;
  const node = target as string;
  if (caller.kind === "operator") {
    return permissionDenied(
      `only node ${node}'s own agent may make this call, and the operator's token is refused here; ${issueHint(node)}`,
      { target: node },
    );
  }
  if (caller.nodeId === node) return undefined;
  return permissionDenied(
    `this token belongs to node ${caller.nodeId} and may act only for it, not for node ${node}; `
      + `is the agent on ${node} using another node's token file? ${issueHint(node)}`,
    { nodeId: caller.nodeId, target: node },
  );
}
