import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The image ships the product only (issue 10): tsconfig.image.json compiles core, plugin,
 * controller, api, storage and cli without tests and without the lab's two commands, and
 * the compiler follows every import it finds. So the files it emits are its roots plus
 * everything they import. This walks that graph the way tsc resolves it (relative
 * `.js` specifiers to `.ts` sources, static and literal dynamic imports, re-exports) and
 * checks that no module of lab/, bench/ or test/ is in it, and that every package the
 * product imports at run time is a production dependency (the image prunes the others).
 */
const root = join(import.meta.dirname, "..", "..");
const productDirs = ["core", "plugin", "controller", "api", "storage", "cli"];

function imageConfig(): ts.ParsedCommandLine {
  const file = join(root, "tsconfig.image.json");
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  return ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, file);
}

/** Specifiers a file imports at run time (type-only imports are erased by tsc and left out). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      const bindings = node.importClause?.namedBindings;
      const onlyTypes = node.importClause !== undefined && node.importClause.name === undefined && bindings !== undefined
        && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((element) => element.isTypeOnly);
      if (!onlyTypes) found.push(node.moduleSpecifier.text);
    }
    if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isStringLiteralLike(argument)) found.push(argument.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every source file the image build emits, and every package those files import. */
function productGraph(roots: readonly string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = roots.map((file) => resolve(file));
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    for (const specifier of runtimeImports(file)) {
      if (specifier.startsWith(".")) pending.push(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
      else packages.add(specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : (specifier.split("/")[0] as string));
    }
  }
  return { files, packages };
}

describe("the image's product build (tsconfig.image.json)", () => {
  const config = imageConfig();
  const rel = (file: string) => relative(root, file);
  let graph: ReturnType<typeof productGraph> | undefined;
  const product = () => (graph ??= productGraph(config.fileNames));

  it("compiles the product directories into dist/ with the paths the image's ENTRYPOINT uses, no tests", () => {
    expect(config.errors).toEqual([]);
    expect(config.options.outDir).toBe(join(root, "dist"));
    expect(config.options.rootDir).toBe(root);
    const roots = config.fileNames.map(rel);
    expect(roots).toContain("cli/main.ts");
    expect(roots).toContain("cli/healthcheck.ts");
    expect(roots.filter((file) => !productDirs.includes(file.split("/")[0] as string))).toEqual([]);
    expect(roots.filter((file) => file.endsWith(".test.ts"))).toEqual([]);
    expect(roots).not.toContain("cli/labCommand.ts");
    expect(roots).not.toContain("cli/drillCommand.ts");
  });

  // Parses every product source once: seconds on a loaded 2-core machine.
  it("pulls in no module of lab/, bench/ or test/ through any import", { timeout: 60_000 }, () => {
    const { files } = product();
    expect(files.size).toBeGreaterThan(50);
    const foreign = [...files].map(rel).filter((file) => !productDirs.includes(file.split("/")[0] as string) || file.endsWith(".test.ts"));
    expect(foreign).toEqual([]);
  });

  it("finds lab/ when a product file imports it (the walk can fail)", () => {
    const { files } = productGraph([join(root, "cli/labCommand.ts")]);
    expect([...files].map(rel).some((file) => file.startsWith("lab/"))).toBe(true);
  });

  it("imports at run time only Node's modules and production dependencies", () => {
    const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const { packages } = product();
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    expect([...packages].filter((name) => !builtins.has(name) && !(name in manifest.dependencies)).sort()).toEqual([]);
    expect(packages).toContain("dockerode");
  });
});
