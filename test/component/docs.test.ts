import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { commands } from "../../cli/commands.js";
import { operatorCommandNames } from "../../cli/operatorCommands.js";
import { loadAgentConfig, loadControllerConfig, loadOperatorConfig } from "../../core/clusterConfig.js";
import { parseLabArgs } from "../../lab/cluster/args.js";
import { parseDrillArgs } from "../../lab/drill/options.js";
import { parseVolumeFilters } from "../../core/volumeFilters.js";

/**
 * The operator docs say what the code does:
 * - docs/runbook.md has a row for every volume condition, volume phase, cloud attachment
 *   state and node lease state the code can show (read from the code's own union types),
 *   and its condition table names no condition the code lacks;
 * - every `swarmvol <command>` the docs name exists, and the command lines in their shell
 *   blocks pass the command's own argument parser (unknown flags, `--token` and bad values
 *   are refused there). docs/design.md is the target design, not a manual: left out.
 */
const root = join(import.meta.dirname, "..", "..");

/** The string literals of a union type: `type X = "a" | "b"`, an interface's property, or a function's return type. */
function unionIn(text: string, name: string, member?: string): string[] {
  const source = ts.createSourceFile("x.ts", text, ts.ScriptTarget.Latest, true);
  let found: ts.TypeNode | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isTypeAliasDeclaration(node) && node.name.text === name && member === undefined) found = node.type;
    if (ts.isFunctionDeclaration(node) && node.name?.text === name && member === undefined) found = node.type;
    if (ts.isInterfaceDeclaration(node) && node.name.text === name) {
      for (const property of node.members) {
        if (ts.isPropertySignature(property) && ts.isIdentifier(property.name) && property.name.text === member) found = property.type;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (found === undefined || !ts.isUnionTypeNode(found)) throw new Error(`no union type ${name}${member ? `.${member}` : ""}`);
  return found.types.map((type) => {
    if (!ts.isLiteralTypeNode(type) || !ts.isStringLiteral(type.literal)) throw new Error(`${name}: not a string literal: ${type.getText(source)}`);
    return type.literal.text;
  });
}

const code = (path: string) => readFile(join(root, path), "utf8");

/** The first cell of each table row in the section under `heading`, backquotes removed. */
function tableKeys(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const rest = markdown.slice(start + heading.length + 2);
  const end = rest.search(/\n#{1,3} /);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1] as string);
}

/** `swarmvol WORD ...` mentions: backquoted in prose, and whole command lines in shell blocks. */
interface Mention { word: string; args: string[] | undefined; where: string }

function mentionsIn(file: string, text: string): Mention[] {
  const found: Mention[] = [];
  const lines = text.replace(/<!--[\s\S]*?-->/g, (comment) => comment.replace(/[^\n]/g, "")).split("\n");
  let fence: string | undefined;
  lines.forEach((line, index) => {
    const where = `${file}:${index + 1}`;
    const opening = /^\s*```(\w*)/.exec(line);
    if (opening) {
      fence = fence === undefined ? opening[1] ?? "" : undefined;
      return;
    }
    if (fence === undefined) {
      for (const match of line.matchAll(/`swarmvol ([a-z][a-z0-9-]*)/g)) found.push({ word: match[1] as string, args: undefined, where });
      return;
    }
    if (!["", "sh", "bash", "shell", "console"].includes(fence)) return;
    const command = line.replace(/(^|\s)#.*$/, "");
    for (const match of command.matchAll(/(?:^|[\s;|&(/])swarmvol ([a-z][a-z0-9-]*)((?: +[^\s;|&)]+)*)/g)) {
      found.push({ word: match[1] as string, args: (match[2] ?? "").trim().split(/\s+/).filter(Boolean), where });
    }
  });
  return found;
}

/** Flags (with their values) and operands of an operator command line, the way cli/operatorCommands.ts splits them. */
function operatorFlags(args: readonly string[]): string[] {
  const flags: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? "";
    if (arg === "--json" || arg === "--help" || !arg.startsWith("-")) continue;
    flags.push(arg);
    const next = args[index + 1];
    if (!arg.includes("=") && next !== undefined && !next.startsWith("-")) {
      flags.push(next);
      index += 1;
    }
  }
  return flags;
}

const token = { SWARMVOL_TOKEN: "docs-test" };
const parsers: Record<string, (args: string[]) => unknown> = {
  agent: (args) => loadAgentConfig(token, args),
  controller: (args) => loadControllerConfig(token, args),
  lab: (args) => parseLabArgs(args),
  drill: (args) => parseDrillArgs(args),
  ...Object.fromEntries(operatorCommandNames.map((name) => [name, (args: string[]) => loadOperatorConfig(token, operatorFlags(args))])),
  ls: (args) => {
    // `--filter key=value` is ls's own (core/volumeFilters.ts); the rest are the operator flags.
    const filters = args.flatMap((arg, index) => (arg === "--filter" || arg === "-f" ? [args[index + 1] ?? ""] : []));
    parseVolumeFilters(filters);
    return loadOperatorConfig(token, operatorFlags(args.filter((arg, index) => !["--filter", "-f"].includes(arg) && !["--filter", "-f"].includes(args[index - 1] ?? ""))));
  },
};

async function manuals(): Promise<string[]> {
  const docs = (await readdir(join(root, "docs"))).filter((name) => name.endsWith(".md") && name !== "design.md").map((name) => `docs/${name}`);
  return ["README.md", ...docs];
}

describe("operator docs", () => {
  it("the runbook has a row for every condition, phase, attachment state and lease state, and no condition the code lacks", async () => {
    const runbook = await code("docs/runbook.md");
    const volume = await code("core/volume.ts");
    const conditions = unionIn(volume, "VolumeCondition", "reason");
    expect(conditions).toContain("HolderAlive");
    expect(tableKeys(runbook, "### Conditions (`swarmvol ls`: CONDITION, `swarmvol inspect`: Condition)").sort()).toEqual([...conditions].sort());
    const documented = new Set([...runbook.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]));
    const states = [
      ...unionIn(volume, "VolumePhase").map((state) => `phase ${state}`),
      ...unionIn(await code("core/cloud.ts"), "CloudAttachmentState").map((state) => `attachment state ${state}`),
      ...unionIn(await code("cli/operatorRender.ts"), "leaseState").map((state) => `lease ${state}`),
    ];
    expect(states.filter((state) => !documented.has(state.split(" ").at(-1))), "states docs/runbook.md has no table row for").toEqual([]);
  });

  it("docs/security.md's Bounds table names files that exist, and a test for each bound it says one proves", async () => {
    const security = await code("docs/security.md");
    const start = security.indexOf("\n## Bounds\n");
    expect(start).toBeGreaterThan(0);
    const section = security.slice(start + 1).split(/\n## /)[0] ?? "";
    const rows = section.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| what |") && !line.startsWith("|---"));
    expect(rows.length).toBeGreaterThan(30);
    const missing: string[] = [];
    for (const row of rows) {
      const cells = row.split(" | ");
      const tests = cells.at(-1)?.replace(/ \|$/, "") ?? "";
      if (tests !== "—" && !/`[^`]+\.test\.ts`/.test(tests)) missing.push(`no test named: ${row.slice(0, 60)}`);
      for (const [, path] of row.matchAll(/`([\w./-]+\.(?:ts|md|json))`/g)) {
        if (!(await readFile(join(root, path as string)).then(() => true, () => false))) missing.push(`${path} does not exist`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("finds prose mentions and shell command lines, not comments or other languages", () => {
    const text = [
      "Run `swarmvol ls` or `swarmvol frob`.", "<!-- `swarmvol later` -->", "```sh",
      "SWARMVOL_TOKEN_FILE=/t swarmvol agent --controller http://a:7750   # swarmvol comment", "x=$(swarmvol nodes --json | jq .)",
      "```", "```yaml", "command: swarmvol yaml", "```",
    ].join("\n");
    expect(mentionsIn("t.md", text)).toEqual([
      { word: "ls", args: undefined, where: "t.md:1" },
      { word: "frob", args: undefined, where: "t.md:1" },
      { word: "agent", args: ["--controller", "http://a:7750"], where: "t.md:4" },
      { word: "nodes", args: ["--json"], where: "t.md:5" },
    ]);
  });

  it("every swarmvol command the docs name exists, and their command lines parse", async () => {
    const mentions: Mention[] = [];
    for (const file of await manuals()) mentions.push(...mentionsIn(file, await code(file)));
    expect(mentions.some((mention) => mention.word === "fence" && mention.where.startsWith("docs/runbook.md"))).toBe(true);
    expect(mentions.filter((mention) => !commands.has(mention.word)).map((mention) => `${mention.where}: swarmvol ${mention.word}`)).toEqual([]);
    const refused: string[] = [];
    for (const { word, args, where } of mentions) {
      const parse = parsers[word];
      // A usage synopsis (`[--flag N]`) is not a command line.
      if (args === undefined || parse === undefined || args.some((arg) => arg.startsWith("["))) continue;
      try {
        parse(args);
      } catch (err) {
        refused.push(`${where}: swarmvol ${word} ${args.join(" ")}: ${(err as Error).message}`);
      }
    }
    expect(refused, "command lines in the docs that swarmvol itself refuses").toEqual([]);
  });
});
