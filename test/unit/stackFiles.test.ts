/**
 * docs/stacks/*.yml without dockerd: every named volume a stack declares is swarmvol's
 * (`driver: swarmvol`, with `driver_opts` the EBS backend accepts and a fixed `name:`, or
 * `external: true`), and every named volume a service mounts is declared, so a stack never
 * makes a node-local volume by accident. The real compose parser and Swarm run in
 * controller/swarm/dockerSwarm.int.test.ts; the project has no YAML dependency, so this reads
 * the block style the stack files use (top-level sections, two-space indentation, flow
 * lists and maps on one line) and fails on anything else it is asked to read.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildEbsSpec } from "../../storage/ebs/options.js";

const dir = new URL("../../docs/stacks/", import.meta.url);
const stackFiles = readdirSync(dir).filter((name) => name.endsWith(".yml")).sort();

interface Line { indent: number; text: string }

/** Non-blank, non-comment lines with their indentation; trailing comments removed. */
function linesOf(yaml: string): Line[] {
  return yaml.split("\n")
    .map((raw) => raw.replace(/\s+#.*$/, "").replace(/^\s*#.*$/, ""))
    .filter((raw) => raw.trim() !== "")
    .map((raw) => ({ indent: raw.length - raw.trimStart().length, text: raw.trim() }));
}

/** The lines under `key:` at `indent` (its block), up to the next line at that indentation or less. */
function block(lines: readonly Line[], key: string, indent: number): Line[] {
  const start = lines.findIndex((line) => line.indent === indent && line.text.startsWith(`${key}:`));
  if (start < 0) return [];
  const end = lines.findIndex((line, index) => index > start && line.indent <= indent);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

const unquote = (value: string) => value.trim().replace(/^"(.*)"$/, "$1");

/** `{ a: b, c: "d" }` or `[a, "b"]` on one line (no nested collections, no commas in values). */
function flowItems(value: string): string[] {
  const inner = value.trim().slice(1, -1).trim();
  return inner === "" ? [] : inner.split(",").map(unquote);
}

/** The keys of a block map whose entries sit at `indent`, each with its scalar properties one level deeper. */
function entries(lines: readonly Line[], indent: number): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const line of lines.filter((l) => l.indent === indent)) {
    const key = line.text.replace(/:.*$/, "");
    const props = new Map<string, string>();
    for (const prop of block(lines, key, indent).filter((l) => l.indent === indent + 2)) {
      const [name = "", ...rest] = prop.text.split(":");
      props.set(name, unquote(rest.join(":")));
    }
    out.set(key, props);
  }
  return out;
}

/** A driver volume's `driver_opts`, as a block map or a one-line flow map. */
function driverOpts(volumes: readonly Line[], volume: string): Record<string, string> {
  const opts = block(block(volumes, volume, 2), "driver_opts", 4);
  const flow = entries(volumes, 2).get(volume)?.get("driver_opts") ?? "";
  const pairs = flow.trim().startsWith("{") ? flowItems(flow) : opts.map((line) => line.text);
  return Object.fromEntries(pairs.map((pair) => pair.split(":").map(unquote) as [string, string]));
}

/**
 * The named volumes the services mount: short syntax (`name:/path`, in a block or a flow
 * list) and long syntax `type: volume` with `source:`. Binds (`type: bind`, or a source
 * starting with `/` or `.`) are left out.
 */
function mountedVolumes(lines: readonly Line[]): string[] {
  const services = block(lines, "services", 0);
  const names: string[] = [];
  services.forEach((line, index) => {
    if (!line.text.startsWith("volumes:")) return;
    const flow = line.text.slice("volumes:".length).trim();
    const items = flow !== "" ? flowItems(flow) : longOrShortItems(services, index, line.indent);
    for (const item of items) if (!/^[/.]/.test(item)) names.push(item.split(":")[0] as string);
  });
  return names;
}

/** The sources of the block list under the `volumes:` at `index`: `- a:/b` items, or `- type: volume` items' `source:`. */
function longOrShortItems(lines: readonly Line[], index: number, indent: number): string[] {
  const end = lines.findIndex((line, i) => i > index && line.indent <= indent);
  const items = lines.slice(index + 1, end < 0 ? undefined : end);
  const sources: string[] = [];
  items.forEach((item, i) => {
    if (!item.text.startsWith("- ")) return;
    const first = item.text.slice(2);
    if (!first.startsWith("type:")) return void sources.push(unquote(first));
    if (unquote(first.slice("type:".length)) !== "volume") return;
    const source = items.slice(i + 1).find((next) => next.text.startsWith("source:"));
    if (source === undefined) throw new Error(`a long-syntax volume mount without source: ${item.text}`);
    sources.push(unquote(source.text.slice("source:".length)));
  });
  return sources;
}

describe.each(stackFiles)("docs/stacks/%s", (file) => {
  const lines = linesOf(readFileSync(new URL(file, dir), "utf8"));
  const volumeLines = block(lines, "volumes", 0);
  const declared = entries(volumeLines, 2);

  it("declares every volume as swarmvol's: driver swarmvol with a fixed name and valid options, or external", () => {
    for (const [volume, props] of declared) {
      const external = props.get("external") === "true";
      expect(external || props.get("driver") === "swarmvol", `${file}: volume ${volume} is neither driver: swarmvol nor external: true`).toBe(true);
      if (external) {
        expect(props.has("driver"), `${file}: external volume ${volume} names a driver`).toBe(false);
        continue;
      }
      expect(props.get("name"), `${file}: volume ${volume} has no name: (its name would depend on the stack's)`).toMatch(/^[a-z0-9][a-z0-9_.-]*$/);
      expect(() => buildEbsSpec(props.get("name") ?? volume, driverOpts(volumeLines, volume)), `${file}: volume ${volume}'s driver_opts`).not.toThrow();
    }
  });

  it("mounts only declared volumes (an undeclared name would be a node-local volume)", () => {
    expect(mountedVolumes(lines).filter((name) => !declared.has(name))).toEqual([]);
    expect([...declared.keys()].filter((name) => !mountedVolumes(lines).includes(name)), `${file}: declared but never mounted`).toEqual([]);
  });
});

describe("the stack file reader", () => {
  it("finds the volumes of every stack file", () => {
    const counts = Object.fromEntries(stackFiles.map((file) => {
      const lines = linesOf(readFileSync(new URL(file, dir), "utf8"));
      return [file, { declared: entries(block(lines, "volumes", 0), 2).size, mounted: mountedVolumes(lines).length }];
    }));
    expect(counts).toEqual({
      "controllers.yml": { declared: 0, mounted: 0 },
      "jenkins.yml": { declared: 1, mounted: 1 },
      "mongo-rs.yml": { declared: 3, mounted: 3 },
      "postgres.yml": { declared: 1, mounted: 1 },
    });
  });

  it("reads driver_opts in block and flow style", () => {
    const volumes = block(linesOf("volumes:\n  a:\n    driver: swarmvol\n    driver_opts:\n      size: \"20\"\n  b:\n    driver_opts: { size: \"5\", type: gp3 }\n"), "volumes", 0);
    expect(driverOpts(volumes, "a")).toEqual({ size: "20" });
    expect(driverOpts(volumes, "b")).toEqual({ size: "5", type: "gp3" });
  });
});
