import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { commands } from "../../cli/commands.js";

/**
 * House rule: every message that tells the user to run a command names one that exists.
 * Scans the string literals (template pieces included) of every product source for a
 * backquoted `swarmvol <word>` and checks <word> is a command cli/main.ts dispatches.
 */
const root = join(import.meta.dirname, "..", "..");
const productDirs = ["core", "controller", "plugin", "api", "storage", "cli"];
const mention = /`swarmvol ([a-z][a-z0-9-]*)/g;

async function sourcesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Each backquoted `swarmvol <word>` in the file's string literals, with where it is. */
function mentionsIn(fileName: string, text: string): Array<{ word: string; where: string }> {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: Array<{ word: string; where: string }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      for (const match of node.text.matchAll(mention)) found.push({ word: match[1] ?? "", where: `${fileName}:${line}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("commands named in messages", () => {
  it("finds mentions in plain strings and in template pieces, not in comments", () => {
    const text = [
      "// `swarmvol comment` is not a message",
      "const a = \"run `swarmvol ls` first\";",
      "const b = `see \\`swarmvol inspect ${name}\\` and \\`swarmvol frob ${x}\\``;",
    ].join("\n");
    expect(mentionsIn("sample.ts", text).map((entry) => entry.word)).toEqual(["ls", "inspect", "frob"]);
  });

  it("every backquoted `swarmvol <word>` in a product string names a dispatched command", async () => {
    const files = (await Promise.all(productDirs.map((dir) => sourcesUnder(join(root, dir))))).flat();
    const mentions = (await Promise.all(files.map(async (file) => mentionsIn(relative(root, file), await readFile(file, "utf8"))))).flat();
    const words = new Set(mentions.map((entry) => entry.word));
    for (const known of ["controller", "agent", "inspect", "status", "nodes", "unfence"]) expect(words).toContain(known);
    const missing = mentions.filter((entry) => !commands.has(entry.word)).map((entry) => `${entry.where}: swarmvol ${entry.word}`);
    expect(missing).toEqual([]);
  });
});
