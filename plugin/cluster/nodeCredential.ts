import { invalidArgument, unavailable } from "../../core/errors.js";
import { issueHint, parseNodeToken } from "../../core/identity.js";
import type { Clock, Logger } from "../../core/ports.js";

/**
 * The agent's own credential: the token of this node, issued by `swarmvol token node ID`
 * (ADR 0011). A node gets its Swarm id only when it joins, and the agent starts before
 * dockerd (dockerd must find the plugin), so the token file may appear after the agent
 * started: {@link NodeCredential.ready} waits for this node's id, then for the token, and
 * checks the token names this node, so a copied or stale file stops the agent at start with
 * the fix instead of answering 403 on every heartbeat. Until then every call to the
 * controller fails UNAVAILABLE (Docker's reads fall back to the agent's cache).
 *
 * The token itself is never logged, nor put in any error message.
 */
export interface NodeCredentialOptions {
  /** The token as given (trailing newlines dropped), or undefined while its file does not exist. */
  read(): Promise<string | undefined>;
  /** This node's Swarm id, once its engine has joined. */
  nodeId(): Promise<string>;
  /** Where the token comes from, for messages: like `SWARMVOL_TOKEN_FILE /etc/swarmvol/node.token`. */
  source: string;
  clock: Clock;
  logger: Logger;
  /** How often to look for a token file that is not there yet. @default 1000 */
  retryMs?: number;
}

export class NodeCredential {
  private token: string | undefined;
  private stopped = false;
  private checked: Promise<string> | undefined;

  constructor(private readonly options: NodeCredentialOptions) {}

  /** The checked token; UNAVAILABLE (naming the wait) before {@link ready} resolved. */
  current(): string {
    if (this.token !== undefined) return this.token;
    throw unavailable(`this agent has no checked node token yet (${this.options.source}); it starts serving once its node joined and the token is there`);
  }

  /**
   * Resolves with this node's id once the token is read and names it; rejects with
   * INVALID_ARGUMENT naming `swarmvol token node <id>` when it names another node or is
   * no node token at all (the controllers' secret, given to an agent as before ADR 0011).
   */
  ready(): Promise<string> {
    this.checked ??= this.check();
    return this.checked;
  }

  /** Ends a wait for a token file that never came (the agent is stopping). */
  stop(): void {
    this.stopped = true;
  }

  private async check(): Promise<string> {
    const { logger, source } = this.options;
    const nodeId = await this.options.nodeId();
    const token = await this.waitForToken(nodeId);
    const parts = parseNodeToken(token);
    if (parts === undefined) {
      throw invalidArgument(`${source} holds no node token (svn1.…); agents take their own node's token, not the controllers' secret: ${issueHint(nodeId)}`, { nodeId });
    }
    if (parts.nodeId !== nodeId) {
      throw invalidArgument(`${source} holds the token of node ${parts.nodeId}, but this agent runs on node ${nodeId}: ${issueHint(nodeId)}`, { nodeId, tokenNodeId: parts.nodeId });
    }
    this.token = token;
    logger.info({ nodeId, source }, "node token names this node");
    return nodeId;
  }

  private async waitForToken(nodeId: string): Promise<string> {
    const { read, clock, logger, source } = this.options;
    let warned = false;
    for (;;) {
      const token = await read();
      if (token !== undefined && token !== "") return token;
      if (this.stopped) throw unavailable("stopped before the node token was there");
      if (!warned) logger.warn({ nodeId, source, fix: `swarmvol token node ${nodeId} --out FILE` }, "waiting for this node's token");
      warned = true;
      await clock.sleep(this.options.retryMs ?? 1000);
    }
  }
}
