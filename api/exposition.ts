/**
 * Reads the Prometheus text exposition format (0.0.4) that GET /metrics serves: the client
 * side of api/metrics.ts, for the drill's check of a live controller and for tests that
 * assert what an exposition says rather than how a registry is built. Pure; small on
 * purpose (no exemplars, no OpenMetrics): what prom-client writes, it reads.
 */

export interface Sample {
  /** The series name as written, like `swarmvol_move_phase_seconds_count`. */
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** `# TYPE` of each family, by family name. */
  types: ReadonlyMap<string, string>;
  /** `# HELP` of each family, by family name. */
  help: ReadonlyMap<string, string>;
}

/** Parses an exposition; a line it cannot read throws naming the line, so a bad scrape is not a zero. */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "") return;
    const meta = /^#\s*(HELP|TYPE)\s+(\S+)\s?(.*)$/.exec(line);
    if (meta) {
      (meta[1] === "TYPE" ? types : help).set(meta[2] as string, meta[3] ?? "");
      return;
    }
    if (line.startsWith("#")) return;
    samples.push(parseSample(line, index + 1));
  });
  return { samples, types, help };
}

function parseSample(line: string, lineNo: number): Sample {
  const fail = (why: string) => new Error(`metrics line ${lineNo} (${why}): ${line.slice(0, 200)}`);
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (name === undefined) throw fail("no metric name");
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    const parsed = parseLabels(rest);
    if (parsed === undefined) throw fail("unreadable labels");
    labels = parsed.labels;
    rest = rest.slice(parsed.length);
  }
  const valueText = rest.trim().split(/\s+/)[0] ?? "";
  // prom-client writes NaN as "Nan"; the format's spelling is "NaN".
  const isNaNText = valueText.toLowerCase() === "nan";
  const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : isNaNText ? NaN : Number(valueText);
  if (valueText === "" || (Number.isNaN(value) && !isNaNText)) throw fail("no numeric value");
  return { name, labels, value };
}

/** `{a="1",b="x\"y"}` → labels and the characters read (closing brace included). */
function parseLabels(text: string): { labels: Record<string, string>; length: number } | undefined {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    while (text[i] === " " || text[i] === ",") i += 1;
    if (text[i] === "}") return { labels, length: i + 1 };
    const key = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i))?.[0];
    if (key === undefined || text[i + key.length] !== "=" || text[i + key.length + 1] !== '"') return undefined;
    i += key.length + 2;
    let value = "";
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") {
        const next = text[i + 1];
        value += next === "n" ? "\n" : next ?? "";
        i += 2;
      } else {
        value += text[i];
        i += 1;
      }
    }
    if (i >= text.length) return undefined;
    labels[key] = value;
    i += 1;
  }
}

/** The sum of every sample named `name` whose labels include all of `match`. */
export function sumOf(exposition: Pick<Exposition, "samples">, name: string, match: Readonly<Record<string, string>> = {}): number {
  return exposition.samples
    .filter((sample) => sample.name === name && Object.entries(match).every(([key, value]) => sample.labels[key] === value))
    .reduce((total, sample) => total + sample.value, 0);
}
