import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Credentials } from "../api/credentials.js";
import { tokenCommand } from "./tokenCommand.js";

const secret = "the-controllers-secret";
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "swarmvol-token-"));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function run(argv: string[], env: NodeJS.ProcessEnv = { SWARMVOL_TOKEN: secret }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await tokenCommand(argv, { env, out: (text) => void out.push(text), err: (text) => void err.push(text) });
  return { code, out: out.join(""), err: err.join("") };
}

describe("swarmvol token node", () => {
  it("prints a token the controller takes as that node", async () => {
    const answer = await run(["node", "n1"]);
    expect(answer.code).toBe(0);
    expect(new Credentials(secret).identify(answer.out.trim())).toEqual({ kind: "node", nodeId: "n1" });
  });

  it("--out writes it with mode 0600, replacing a looser old file, and never prints it", async () => {
    const file = join(dir, "node.token");
    await writeFile(file, "old\n", { mode: 0o644 });
    const answer = await run(["node", "n1", "--out", file], { SWARMVOL_TOKEN_FILE: await secretFile() });
    expect([answer.code, answer.out]).toEqual([0, ""]);
    expect(answer.err).toMatch(/wrote the token of node n1 to .*node\.token \(mode 0600\)/);
    const token = (await readFile(file, "utf8")).trim();
    expect(answer.err).not.toContain(token);
    expect(new Credentials(secret).identify(token)).toEqual({ kind: "node", nodeId: "n1" });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await run(["node", "n2", `--out=${file}`])).code).toBe(0);
    expect(new Credentials(secret).identify((await readFile(file, "utf8")).trim())).toEqual({ kind: "node", nodeId: "n2" });
  });

  it("refuses --token on argv, a missing secret, a node token as the secret, and bad usage", async () => {
    const flag = await run(["node", "n1", "--token", secret]);
    expect([flag.code, flag.err]).toEqual([2, expect.stringMatching(/no --token flag.*SWARMVOL_TOKEN_FILE/)]);
    expect(flag.err).not.toContain(secret);
    const missing = await run(["node", "n1"], {});
    expect([missing.code, missing.err]).toEqual([9, expect.stringMatching(/set SWARMVOL_TOKEN_FILE to the file holding the controllers' secret/)]);
    const nodeToken = (await run(["node", "n1"])).out.trim();
    expect((await run(["node", "n2"], { SWARMVOL_TOKEN: nodeToken })).err).toMatch(/holds a node token/);
    expect((await run(["node", "n1/../x"])).err).toMatch(/not a Swarm node id/);
    expect((await run(["node"])).err).toMatch(/usage: swarmvol token node NODE_ID/);
    expect((await run(["operator", "n1"])).code).toBe(2);
    expect((await run(["node", "n1", "--out"])).code).toBe(2);
    expect((await run(["--help"], {})).out).toMatch(/^usage: swarmvol token node NODE_ID \[--out FILE\]/);
  });
});

async function secretFile(): Promise<string> {
  const file = join(dir, "secret");
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return file;
}
