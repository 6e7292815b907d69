/**
 * A tiny Prometheus registry: counters, gauges and histograms with labels, rendered in the
 * text exposition format. Pure data; the API serves `render()` at GET /metrics.
 */
type Labels = Readonly<Record<string, string>>;

const defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];

function labelText(labels: Labels, extra: Record<string, string> = {}): string {
  const all = { ...labels, ...extra };
  const parts = Object.entries(all).map(([key, value]) => `${key}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

interface Series<T> {
  labels: Labels;
  value: T;
}

class Family<T> {
  readonly series = new Map<string, Series<T>>();
  constructor(readonly name: string, readonly help: string, readonly type: "counter" | "gauge" | "histogram", private readonly initial: () => T) {}
  get(labels: Labels): Series<T> {
    const key = labelText(labels);
    let found = this.series.get(key);
    if (!found) {
      found = { labels, value: this.initial() };
      this.series.set(key, found);
    }
    return found;
  }
}

interface HistogramValue {
  counts: number[];
  sum: number;
  count: number;
}

export class Metrics {
  private readonly families = new Map<string, Family<number> | Family<HistogramValue>>();

  private family<T>(name: string, help: string, type: "counter" | "gauge" | "histogram", initial: () => T): Family<T> {
    let found = this.families.get(name) as Family<T> | undefined;
    if (!found) {
      found = new Family<T>(name, help, type, initial);
      this.families.set(name, found as unknown as Family<number>);
    }
    return found;
  }

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    this.family(name, help, "counter", () => 0).get(labels).value += by;
  }

  set(name: string, help: string, labels: Labels, value: number): void {
    this.family(name, help, "gauge", () => 0).get(labels).value = value;
  }

  observe(name: string, help: string, labels: Labels, seconds: number): void {
    const series = this.family<HistogramValue>(name, help, "histogram", () => ({ counts: defaultBuckets.map(() => 0), sum: 0, count: 0 })).get(labels);
    defaultBuckets.forEach((bound, index) => {
      if (seconds <= bound) series.value.counts[index] = (series.value.counts[index] ?? 0) + 1;
    });
    series.value.sum += seconds;
    series.value.count += 1;
  }

  render(): string {
    const lines: string[] = [];
    for (const family of this.families.values()) {
      lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
      for (const series of family.series.values()) {
        if (typeof series.value === "number") {
          lines.push(`${family.name}${labelText(series.labels)} ${series.value}`);
          continue;
        }
        const histogram = series.value as HistogramValue;
        defaultBuckets.forEach((bound, index) => lines.push(`${family.name}_bucket${labelText(series.labels, { le: String(bound) })} ${histogram.counts[index]}`));
        lines.push(`${family.name}_bucket${labelText(series.labels, { le: "+Inf" })} ${histogram.count}`);
        lines.push(`${family.name}_sum${labelText(series.labels)} ${histogram.sum}`, `${family.name}_count${labelText(series.labels)} ${histogram.count}`);
      }
    }
    return `${lines.join("\n")}\n`;
  }
}
