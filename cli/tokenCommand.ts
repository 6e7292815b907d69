import { randomBytes } from "node:crypto";
import { chmod, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, basename } from "node:path";
import { issueNodeToken } from "../api/credentials.js";
import { invalidArgument, unauthenticated } from "../core/errors.js";
import { documented, rootFor, runParsed, SwarmvolCommand } from "./commandLine.js";
import { reportFailure } from "./exitCodes.js";
import { withTokenFile } from "./runtime.js";

/**
 * `swarmvol token node NODE_ID [--out FILE]`: issues the token of one Swarm node (ADR 0011),
 * to run on a manager when the node joins (`docker info -f '{{.Swarm.NodeID}}'` on it). It
 * needs the controllers' secret, read like every command reads a token (SWARMVOL_TOKEN_FILE
 * or SWARMVOL_TOKEN, never argv). The token goes to FILE, created with mode 0600 and
 * replaced atomically, or to stdout for a pipe; it is never printed with `--out`.
 */
export const tokenUsage = "swarmvol token node NODE_ID [--out FILE]";

const details = `The agent may heartbeat, claim and release only as that node with it, and never fence.
Run it on a manager, with the controllers' secret in
SWARMVOL_TOKEN_FILE (or SWARMVOL_TOKEN); never on the command line. The node id is
\`docker info -f '{{.Swarm.NodeID}}'\` on that node; give the file to the agent there as its
SWARMVOL_TOKEN_FILE.`;

/** Where the command reads its environment and writes its output; tests inject one. */
export interface TokenIo {
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
}

/** Writes `text` to `file` with mode 0600 from the start, replacing any old file in one rename. */
async function writePrivate(file: string, text: string): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, text, { mode: 0o600, flag: "wx" });
    await chmod(temporary, 0o600); // the umask may have taken bits away, never added any: make it exact
    await rename(temporary, file);
  } catch (err) {
    await rm(temporary, { force: true });
    throw invalidArgument(`cannot write the node token to ${file}: ${(err as Error).message}`, { file });
  }
}

/** Issues the token of `nodeId` to stdout or `out`; resolves to the exit code, never rejects. */
async function issue(nodeId: string, out: string | undefined, io: TokenIo): Promise<number> {
  try {
    if (out === "") throw invalidArgument(`--out needs a file; usage: ${tokenUsage}`);
    const secret = (await withTokenFile(io.env)).SWARMVOL_TOKEN ?? "";
    if (secret === "") throw unauthenticated("no secret to issue node tokens with: set SWARMVOL_TOKEN_FILE to the file holding the controllers' secret (on a manager)");
    const token = issueNodeToken(secret, nodeId);
    if (out === undefined) {
      io.out(`${token}\n`);
      return 0;
    }
    await writePrivate(out, `${token}\n`);
    io.err(`wrote the token of node ${nodeId} to ${out} (mode 0600); give it to that node's agent as SWARMVOL_TOKEN_FILE\n`);
    return 0;
  } catch (err) {
    return reportFailure(err, io.err);
  }
}

/** The commander declaration of `swarmvol token node NODE_ID`; its action sets `outcome.code`. */
export function tokenCommandLine(io: TokenIo, outcome: { code: number }): SwarmvolCommand {
  const doc = {
    summary: "Issues the API token of one Swarm node for its agent (run on a manager).", details, usage: "node NODE_ID [--out FILE]",
    examples: ["SWARMVOL_TOKEN_FILE=/run/secrets/swarmvol_token swarmvol token node 4vxkq1x3ngx5k3j6e2m0gtrjc --out node.token"],
  };
  const token = documented(new SwarmvolCommand("token"), doc);
  const node = documented(token.command("node"), { ...doc, usage: "NODE_ID [--out FILE]" })
    .argument("<NODE_ID>", "the node's Swarm id")
    .option("--out <FILE>", "write the token to FILE (mode 0600) instead of printing it");
  node.action(async (nodeId: string) => {
    outcome.code = await issue(nodeId, node.opts<{ out?: string }>().out, io);
  });
  return token;
}

/** Runs `swarmvol token ...`; resolves to its exit code (cli/exitCodes.ts), never rejects. */
export async function tokenCommand(argv: readonly string[], io: TokenIo = processIo()): Promise<number> {
  const outcome = { code: 0 };
  return runParsed(rootFor(tokenCommandLine(io, outcome)), ["token", ...argv], io, outcome);
}

function processIo(): TokenIo {
  return {
    env: process.env,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
  };
}
