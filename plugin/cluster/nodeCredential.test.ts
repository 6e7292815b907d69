import { describe, expect, it } from "vitest";
import { issueNodeToken } from "../../api/credentials.js";
import { ErrorCode, isSwarmvolError } from "../../core/errors.js";
import type { Logger } from "../../core/ports.js";
import { FakeClock } from "../../test/fakes/clock.js";
import { NodeCredential } from "./nodeCredential.js";

const secret = "the-controllers-secret";
const source = "SWARMVOL_TOKEN_FILE /etc/swarmvol/node.token";

function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: (obj, msg) => void lines.push(`info ${msg} ${JSON.stringify(obj)}`),
    warn: (obj, msg) => void lines.push(`warn ${msg} ${JSON.stringify(obj)}`),
    error: (obj, msg) => void lines.push(`error ${msg} ${JSON.stringify(obj)}`),
    child: () => logger,
  };
  return logger;
}

/** A credential whose token file holds `contents` in turn (undefined: not there yet), the last one from then on. */
function credential(contents: Array<string | undefined>, nodeId = "n1") {
  const lines: string[] = [];
  const clock = new FakeClock();
  let reads = 0;
  const read = async () => contents[Math.min(reads++, contents.length - 1)];
  return { lines, clock, credential: new NodeCredential({ read, nodeId: async () => nodeId, source, clock, logger: recordingLogger(lines), retryMs: 500 }) };
}

describe("NodeCredential", () => {
  it("is UNAVAILABLE until checked, then gives the token that names this node", async () => {
    const token = issueNodeToken(secret, "n1");
    const { credential: node, lines } = credential([token]);
    expect(() => node.current()).toThrow(expect.objectContaining({ code: ErrorCode.Unavailable }));
    expect(await node.ready()).toBe("n1");
    expect(node.current()).toBe(token);
    expect(lines).toEqual([`info node token names this node {"nodeId":"n1","source":"${source}"}`]);
  });

  it("waits for a token file that appears only once the node joined, warning once with the exact command", async () => {
    const token = issueNodeToken(secret, "n1");
    const { credential: node, lines, clock } = credential([undefined, undefined, "", token]);
    expect(await node.ready()).toBe("n1");
    expect(clock.sleeps).toEqual([500, 500, 500]);
    expect(lines[0]).toMatch(/^warn waiting for this node's token .*"fix":"swarmvol token node n1 --out FILE"/);
    expect(lines.filter((line) => line.startsWith("warn"))).toHaveLength(1);
  });

  it.each([
    ["another node's token", issueNodeToken(secret, "n2"), /holds the token of node n2, but this agent runs on node n1: .*`swarmvol token node n1 --out FILE`/],
    ["the controllers' secret", secret, /holds no node token .*not the controllers' secret: .*`swarmvol token node n1 --out FILE`/],
  ])("refuses %s at start, naming the fix and never the token", async (_what, token, message) => {
    const { credential: node, lines } = credential([token]);
    const refused = await node.ready().then(() => undefined, (err: unknown) => err);
    expect(isSwarmvolError(refused, ErrorCode.InvalidArgument)).toBe(true);
    expect((refused as Error).message).toMatch(message);
    expect((refused as Error).message).not.toContain(token);
    expect(() => node.current()).toThrow(/no checked node token yet/);
    expect(lines.join("\n")).not.toContain(token);
  });

  it("stops waiting when the agent stops", async () => {
    const { credential: node } = credential([undefined]);
    const waiting = node.ready().then(() => undefined, (err: unknown) => err);
    node.stop();
    expect(isSwarmvolError(await waiting, ErrorCode.Unavailable)).toBe(true);
  });
});
