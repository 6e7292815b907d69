import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { cloudTags, snapshotTags } from "../../core/cloud.js";

/**
 * docs/iam-policy.json is the controller's least-privilege IAM policy. Its actions must be
 * exactly the EC2 and EFS requests product code can send, plus the permissions AWS checks
 * on the caller behind some of them (`impliedPermissions`): one missing and the controller
 * fails on real AWS with UnauthorizedOperation (the emulator checks no IAM); one extra and
 * the policy grants more than it needs. The requests are found statically, in every product
 * source (not tests, lab or bench): each `new XCommand(...)` whose class comes from
 * @aws-sdk/client-ec2 or client-efs (named, renamed or namespace import), and each
 * `paginateX` imported from them. What the scan cannot see through (waiters, dynamic
 * imports, re-exports, other AWS clients) is reported as a problem, so it fails rather than
 * under-counts.
 */
const root = join(import.meta.dirname, "..", "..");
const productDirs = ["core", "controller", "plugin", "api", "storage", "cli"];
const policyPath = join(root, "docs", "iam-policy.json");

interface Scan {
  /** Action name (`CreateVolume`) → where it is sent (`storage/ebs/ebsCloud.ts:89`). */
  actions: Map<string, string[]>;
  /** Constructs the scan cannot attribute to an action. */
  problems: string[];
}

async function productSources(): Promise<string[]> {
  const files: string[] = [];
  for (const dir of productDirs) {
    const entries = await readdir(join(root, dir), { withFileTypes: true, recursive: true });
    for (const entry of entries) {
      if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) files.push(join(entry.parentPath, entry.name));
    }
  }
  return files;
}

const sdkClient = /^@aws-sdk\/client-(.+)$/;
/** The SDK clients the scan covers, and their IAM action prefixes. */
const iamPrefixes: Readonly<Record<string, string>> = { ec2: "ec2", efs: "elasticfilesystem" };

/**
 * What AWS authorizes on the caller besides the action itself (the EFS API reference):
 * a mount target is a network interface EFS makes in the caller's name, and tags given at
 * creation are authorized as TagResource.
 */
const impliedPermissions: Readonly<Record<string, readonly string[]>> = {
  "elasticfilesystem:CreateMountTarget": ["ec2:DescribeSubnets", "ec2:DescribeNetworkInterfaces", "ec2:CreateNetworkInterface"],
  "elasticfilesystem:DeleteMountTarget": ["ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"],
  "elasticfilesystem:CreateFileSystem": ["elasticfilesystem:TagResource"],
  "elasticfilesystem:CreateAccessPoint": ["elasticfilesystem:TagResource"],
};

/** The EC2 and EFS actions (`ec2:CreateVolume`) one source file can send, by scanning its syntax tree. */
function ec2ActionsIn(fileName: string, text: string, scan: Scan = { actions: new Map(), problems: [] }): Scan {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const where = (node: ts.Node) => `${fileName}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
  const note = (action: string, node: ts.Node) => scan.actions.set(action, [...(scan.actions.get(action) ?? []), where(node)]);
  /** Local name → the IAM action prefix and the name the client exports, for value imports only. */
  const imported = new Map<string, { prefix: string; name: string }>();
  const namespaces = new Map<string, string>();

  for (const statement of source.statements) {
    const module = (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)
      ? statement.moduleSpecifier.text : undefined;
    const service = module === undefined ? undefined : sdkClient.exec(module)?.[1];
    if (service === undefined) continue;
    if (ts.isExportDeclaration(statement)) {
      if (!statement.isTypeOnly) scan.problems.push(`${where(statement)}: re-exports ${module}; import the commands where they are sent`);
      continue;
    }
    const clause = (statement as ts.ImportDeclaration).importClause;
    if (clause === undefined || clause.isTypeOnly) continue;
    const prefix = iamPrefixes[service];
    if (prefix === undefined) {
      scan.problems.push(`${where(statement)}: imports ${module}; docs/iam-policy.json and this test cover EC2 and EFS only: add that service's actions to both`);
      continue;
    }
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) namespaces.set(bindings.name.text, prefix);
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) {
        if (element.isTypeOnly) continue;
        const name = (element.propertyName ?? element.name).text;
        imported.set(element.name.text, { prefix, name });
        if (name.startsWith("paginate")) note(`${prefix}:${name.slice("paginate".length)}`, element);
        if (name.startsWith("waitUntil")) scan.problems.push(`${where(element)}: imports ${name}; an SDK waiter sends requests this scan cannot name (and polls every 15 s): use storage/ebs/waiters.ts`);
      }
    }
  }

  const commandOf = (expression: ts.Expression): { prefix: string; name: string } | undefined => {
    if (ts.isIdentifier(expression)) return imported.get(expression.text);
    if (ts.isPropertyAccessExpression(expression) && ts.isIdentifier(expression.expression)) {
      const prefix = namespaces.get(expression.expression.text);
      return prefix === undefined ? undefined : { prefix, name: expression.name.text };
    }
    return undefined;
  };
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node)) {
      const command = commandOf(node.expression);
      if (command?.name.endsWith("Command")) note(`${command.prefix}:${command.name.slice(0, -"Command".length)}`, node);
    }
    if (ts.isCallExpression(node) && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0]) && sdkClient.test(node.arguments[0].text)
      && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === "require"))) {
      scan.problems.push(`${where(node)}: loads ${node.arguments[0].text} dynamically; import it statically so this scan sees its commands`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return scan;
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

async function policy(): Promise<{ Version: string; Statement: Statement[] }> {
  return JSON.parse(await readFile(policyPath, "utf8")) as { Version: string; Statement: Statement[] };
}

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

describe("docs/iam-policy.json", () => {
  it("the scan finds commands however they are imported, and refuses what it cannot attribute", () => {
    const text = [
      "import { AttachVolumeCommand, DetachVolumeCommand as Detach, type DeleteVolumeCommand, paginateDescribeSnapshots } from \"@aws-sdk/client-ec2\";",
      "import * as ec2 from \"@aws-sdk/client-ec2\";",
      "import type { CreateTagsCommand } from \"@aws-sdk/client-ec2\";",
      "import { waitUntilVolumeAvailable } from \"@aws-sdk/client-ec2\";",
      "import { ListBucketsCommand } from \"@aws-sdk/client-s3\";",
      "const a = new AttachVolumeCommand({}); const d = new Detach({}); const s = new ec2.StopInstancesCommand({});",
      "type T = DeleteVolumeCommand | CreateTagsCommand; // types send nothing",
      "const lazy = await import(\"@aws-sdk/client-ec2\");",
      "import { DescribeFileSystemsCommand as Dfs } from \"@aws-sdk/client-efs\"; const f = new Dfs({});",
    ].join("\n");
    const scan = ec2ActionsIn("sample.ts", text);
    expect([...scan.actions.keys()].sort()).toEqual(["ec2:AttachVolume", "ec2:DescribeSnapshots", "ec2:DetachVolume", "ec2:StopInstances", "elasticfilesystem:DescribeFileSystems"]);
    expect(scan.actions.get("ec2:StopInstances")).toEqual(["sample.ts:6"]);
    expect(scan.problems).toEqual([
      expect.stringMatching(/^sample\.ts:4: imports waitUntilVolumeAvailable/),
      expect.stringMatching(/^sample\.ts:5: imports @aws-sdk\/client-s3/),
      expect.stringMatching(/^sample\.ts:8: loads @aws-sdk\/client-ec2 dynamically/),
    ]);
  });

  it("allows exactly the EC2 and EFS actions product code sends (and what AWS checks behind them), nothing more", async () => {
    const scan: Scan = { actions: new Map(), problems: [] };
    for (const file of await productSources()) ec2ActionsIn(relative(root, file), await readFile(file, "utf8"), scan);
    expect(scan.problems, "constructs the IAM scan cannot attribute to an EC2 or EFS action").toEqual([]);
    // The scan must keep seeing the EBS and EFS backends' requests: an empty set would pass vacuously.
    expect(["ec2:CreateVolume", "ec2:AttachVolume", "elasticfilesystem:CreateAccessPoint"].every((a) => scan.actions.has(a))).toBe(true);

    const document = await policy();
    const allowed = new Set(document.Statement.flatMap((statement) => list(statement.Action)));
    const sent = new Set([...scan.actions.keys()].flatMap((action) => [action, ...(impliedPermissions[action] ?? [])]));
    const missing = [...sent].filter((action) => !allowed.has(action)).sort()
      .map((action) => `${action} (sent from ${scan.actions.get(action)?.join(", ") ?? "behind another action"})`);
    const extra = [...allowed].filter((action) => !sent.has(action)).sort();
    expect({ missing, extra }, "docs/iam-policy.json: add the `missing` actions the code sends, remove the `extra` ones nothing sends")
      .toEqual({ missing: [], extra: [] });
  });

  it("is a plain Allow policy without wildcards, and every mutation of a volume is bound to swarmvol's tags", async () => {
    const document = await policy();
    expect(document.Version).toBe("2012-10-17");
    for (const statement of document.Statement) {
      const name = statement.Sid ?? JSON.stringify(statement.Action);
      expect(statement.Effect, `${name}: Allow only`).toBe("Allow");
      expect(statement.NotAction, `${name}: no NotAction`).toBeUndefined();
      for (const action of list(statement.Action)) expect(action, `${name}: no wildcard actions`).toMatch(/^(ec2|elasticfilesystem):[A-Za-z]+$/);
      const resources = list(statement.Resource);
      const mutating = list(statement.Action).some((action) => !/^[a-z0-9]+:Describe/.test(action));
      // Describe* take no resource-level permissions: only they may name "*".
      if (mutating) expect(resources, `${name}: a mutation names its resource type`).not.toContain("*");
      // Any snapshot may be read to restore from (CreateVolume); creating, tagging and deleting one is bound to swarmvol's tags.
      const snapshotWrite = list(statement.Action).some((action) => action === "ec2:CreateSnapshot" || action === "ec2:CreateTags" || action === "ec2:DeleteSnapshot");
      if (mutating && (resources.some((resource) => resource.endsWith(":volume/*")) || (snapshotWrite && resources.some((resource) => resource.endsWith(":snapshot/*"))))) {
        const keys = Object.values(statement.Condition ?? {}).flatMap((test) => Object.keys(test));
        const bound = keys.includes(`aws:ResourceTag/${cloudTags.uid}`) || keys.includes(`aws:RequestTag/${cloudTags.uid}`) || keys.includes("ec2:CreateAction");
        expect(bound, `${name}: changes volumes only when they carry (or are created with) the ${cloudTags.uid} tag`).toBe(true);
      }
      if (mutating && list(statement.Action).some((action) => action.startsWith("elasticfilesystem:"))) {
        const keys = Object.values(statement.Condition ?? {}).flatMap((test) => Object.keys(test));
        const bound = keys.some((key) => /^aws:(Resource|Request)Tag\/swarmvol\//.test(key)) || keys.includes("elasticfilesystem:CreateAction");
        expect(bound, `${name}: changes EFS resources only when they carry (or are created with) a swarmvol/ tag`).toBe(true);
      }
    }
  });

  it("lets the controller write every tag it uses, and only swarmvol's", async () => {
    const document = await policy();
    const tagging = document.Statement.filter((statement) => ["ec2:CreateTags", "ec2:CreateVolume", "ec2:CreateSnapshot"].some((action) => list(statement.Action).includes(action)));
    const patterns = tagging.flatMap((statement) => list(statement.Condition?.["ForAllValues:StringLike"]?.["aws:TagKeys"]));
    expect(patterns.length).toBeGreaterThan(0);
    const matches = (key: string, pattern: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(key);
    for (const key of [...Object.values(cloudTags), ...Object.values(snapshotTags)]) {
      for (const pattern of patterns) expect(matches(key, pattern), `tag ${key} is allowed by aws:TagKeys ${pattern}`).toBe(true);
    }
    for (const pattern of patterns) expect(matches("Name", pattern), `aws:TagKeys ${pattern} keeps other tags out`).toBe(false);
  });
});
