/**
 * Pure parsing of `swarmvol drill …` arguments:
 *
 *   drill [--scenario NAME]… [--repeat N] [--json FILE] [--ci] [--nodes N] [--managers M] [--zones Z]
 *         [--dir D] [--cache D] [--logs D] [--keep-lab] [--settle S] [--cloud-faults]
 *         [--soak N [--seed S]] [--results FILE] [--crash-points]
 *
 * `--soak N` replaces the scenario list: N rounds on one lab, each fault drawn from a seeded
 * generator (soakPlan.ts), so `--scenario` and `--repeat` are refused with it, and `--seed`
 * means nothing without it. `--results FILE` merges the soak's figures into a benchmark
 * results file (bench/results.json); nothing is written there unless asked.
 *
 * `--crash-points` runs the crash-points drill instead (lab/crash/): every named crash
 * point of the agent and the controller, on its own lab of 4 nodes and 2 controller replicas, so
 * the flags that shape the scenarios' lab and runs are refused with it.
 *
 * `--scenario` may be repeated or comma-separated; without it every scenario runs in the
 * order of {@link SCENARIOS}. The scenarios of {@link REPLICA_SCENARIOS} need two controller
 * replicas (two managers): with one they are left out of the default list, and asking for
 * them is an error. Likewise {@link ZONE_SCENARIOS} need the lab in two zones (`--zones 2`)
 * with one worker per zone (no more workers than zones: the default two workers).
 * Errors are INVALID_ARGUMENT with a message for the terminal.
 */
import { invalidArgument } from "../../core/errors.js";

/** Every fault the drill knows, in the order a full run executes them. */
export const SCENARIOS = [
  "kill-db", "kill-jenkins", "restart-dockerd", "partition", "kill-controller", "drain", "update", "frozen-agent",
  "cross-zone", "kill-leader", "upgrade-controllers",
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/**
 * Scenarios that break the controller, not a workload's node: no volume moves, the
 * services must keep running where they are, and no agent may fence itself. They need
 * at least two controller replicas (`--managers` ≥ 2).
 */
export const REPLICA_SCENARIOS: readonly ScenarioName[] = ["kill-leader", "upgrade-controllers"];

/**
 * Scenarios that move a volume to another availability zone: the lab is then in `--zones`
 * zones and the workloads' volumes are made with `-o zonePolicy=follow`.
 */
export const ZONE_SCENARIOS: readonly ScenarioName[] = ["cross-zone"];

/** Whether the scenario's fault moves the measured service's volume (else it must stay put). */
export function movesVolume(scenario: ScenarioName): boolean {
  return !REPLICA_SCENARIOS.includes(scenario);
}

export interface DrillOptions {
  scenarios: ScenarioName[];
  repeat: number;
  jsonFile: string | null;
  /** Short CI run: EC2 emulator with near-zero latencies, 3 nodes (1 manager). */
  ci: boolean;
  nodes: number;
  /** Managers, each with a controller replica; the other nodes are workers (at least 2). */
  managers: number;
  /** Availability zones the lab's nodes are spread over (round-robin); with 2 or more the volumes follow their tasks. */
  zones: number;
  dir: string;
  /** Where the PostgreSQL rootfs tar is kept between runs. */
  cacheDir: string;
  /** Where the daemons' logs and the EC2 event log are copied before `lab down`. */
  logsDir: string;
  /** Leave the lab up at the end (debugging). */
  keepLab: boolean;
  /** Seconds of steady writing before each fault, so every scenario has acked writes before t0. */
  settleSeconds: number;
  /** The EC2 emulator's fault profile (cloudFaults.ts) on during every run; with --soak, every round. */
  cloudFaults: boolean;
  /** Rounds of the soak, or null for the scenario list. */
  soak: number | null;
  /** The soak's seed (printed, for a replay); null: the drill draws one. */
  seed: number | null;
  /** Benchmark results file the soak's figures are merged into (by result id), or null. */
  resultsFile: string | null;
  /** Run the crash-points drill (lab/crash/) instead of scenarios or a soak. */
  crashPoints: boolean;
  /**
   * Swarm's dispatcher heartbeat for the lab (`docker swarm update --dispatcher-heartbeat`),
   * in seconds; null: Swarm's own 5 s. It sets how soon Swarm marks a dead node down (ADR 0022).
   */
  dispatcherHeartbeatSeconds: number | null;
}

export interface DrillHelp {
  help: true;
}

export const DRILL_USAGE = `usage: swarmvol drill [--scenario NAME[,NAME…]] [--repeat N] [--json FILE] [--ci]
                      [--nodes N] [--managers M] [--zones Z] [--dir D] [--cache D] [--logs D] [--keep-lab]
                      [--settle S] [--cloud-faults] [--soak N [--seed S]] [--results FILE] [--crash-points]
                      [--dispatcher-heartbeat S]
  Brings a lab up (EC2 emulator, agents, a controller replica per manager), deploys a PostgreSQL and a
  Jenkins-like service on swarmvol volumes, injects faults while clients keep writing,
  and proves that every acknowledged write survived. Exit code 0 only if nothing was lost.
  scenarios: ${SCENARIOS.join(", ")} (default: all)
  --ci        near-zero EC2 latencies and 3 nodes, 1 manager (a short run for CI)
  --managers  managers (controller replicas); ${REPLICA_SCENARIOS.join(" and ")} need 2 or more
  --zones Z   nodes in Z availability zones (node1 a, node2 b, ...) and volumes made with
              zonePolicy=follow; ${ZONE_SCENARIOS.join(", ")} needs 2 and no more workers than zones (default 1)
  --keep-lab  do not run \`lab down\` at the end
  --logs D    where agent, controller, node and EC2 logs are copied before \`lab down\`
  --cloud-faults  the EC2 emulator throttles (20 %), fails (10 % 5xx), loses answers (10 % of
              mutations), sticks one attach and one detach, and answers Describe* 800 ms late
              during every run
  --soak N    N rounds on one lab, each a random fault (node kill, partition, dockerd restart,
              leader kill with 2+ managers, or cloud faults on top of one); no --scenario/--repeat
  --seed S    the soak's seed (printed at the start: the same seed replays the same faults)
  --results FILE  merge the soak's figures into FILE by result id (e.g. bench/results.json)
  --dispatcher-heartbeat S  Swarm's dispatcher heartbeat in seconds (docker swarm update
              --dispatcher-heartbeat; Swarm's default 5): Swarm marks a dead node down after about
              three missed ones, and a killed node's tasks start elsewhere only then (ADR 0022)
  --crash-points  instead: kill -9 the agent and the controller at each named step of a mount and
              of a move (SWARMVOL_CRASH_AT), restart them, check every step converged; one line
              per step (PASS, FAIL or UNREACHED with what was wrong); 4 nodes, 2 controller replicas
  defaults: --repeat 1 --managers 3 (1 with --ci) --nodes managers+2 --zones 1 --dir /var/lib/swarmvol-lab
            --cache /var/cache/swarmvol-lab --logs /var/tmp/swarmvol-drill --settle 3`;

const VALUE_FLAGS = new Set([
  "--scenario", "--repeat", "--json", "--nodes", "--managers", "--zones", "--dir", "--cache", "--logs", "--settle", "--soak", "--seed", "--results",
  "--dispatcher-heartbeat",
]);
const BOOLEAN_FLAGS = new Set(["--ci", "--keep-lab", "--cloud-faults", "--crash-points"]);
/** What `--crash-points` decides itself: its lab's size, its flows. */
const NOT_WITH_CRASH_POINTS = ["--scenario", "--repeat", "--soak", "--seed", "--results", "--nodes", "--managers", "--zones", "--settle", "--cloud-faults", "--dispatcher-heartbeat"];

function positiveInt(flag: string, raw: string, max: number, min = 1): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw invalidArgument(`${flag} must be a whole number from ${min} to ${max}`, { flag, value: raw });
  }
  return Number(raw);
}

/** `--soak N`, `--seed S`, `--results FILE`, and the flags that make no sense with (or without) them. */
function soakOptions(values: Map<string, string[]>): Pick<DrillOptions, "soak" | "seed" | "resultsFile"> {
  const soakRaw = values.get("--soak")?.at(-1);
  if (soakRaw === undefined) {
    for (const flag of ["--seed", "--results"]) {
      if (values.has(flag)) throw invalidArgument(`${flag} only applies to --soak`, { flag });
    }
    return { soak: null, seed: null, resultsFile: null };
  }
  for (const flag of ["--scenario", "--repeat"]) {
    if (values.has(flag)) throw invalidArgument(`--soak draws its own faults: leave out ${flag}`, { flag });
  }
  const seedRaw = values.get("--seed")?.at(-1);
  return {
    soak: positiveInt("--soak", soakRaw, 10_000),
    seed: seedRaw === undefined ? null : positiveInt("--seed", seedRaw, 2 ** 32 - 1, 0),
    resultsFile: values.get("--results")?.at(-1) ?? null,
  };
}

/**
 * Whether the lab can run the zone scenarios: two zones or more, and no two workers in one
 * zone. `cross-zone` drains the database's node, and the stack runs it on workers only, so
 * a second worker in that node's zone would let Swarm place it without crossing zones.
 * Zones go round-robin over the nodes, so the workers (the last nodes) are in distinct zones
 * exactly when there are no more of them than zones (the default two workers always are).
 */
function zoneProblem(lab: { managers: number; nodes: number; zones: number }): string | null {
  if (lab.zones < 2) return "needs the lab in two availability zones: use --zones 2";
  const workers = lab.nodes - lab.managers;
  if (workers > lab.zones) return `drains the database's node and needs one worker per zone: use at most --nodes ${lab.managers + lab.zones} with --managers ${lab.managers} --zones ${lab.zones}`;
  return null;
}

function scenarioList(raw: string[], lab: { managers: number; nodes: number; zones: number }): ScenarioName[] {
  const { managers } = lab;
  const zoneRefusal = zoneProblem(lab);
  const names = raw.flatMap((r) => r.split(",")).map((s) => s.trim()).filter((s) => s !== "");
  for (const name of names) {
    if (!(SCENARIOS as readonly string[]).includes(name)) {
      throw invalidArgument(`unknown scenario "${name}"; choose from ${SCENARIOS.join(", ")}`, { scenario: name });
    }
    if (managers < 2 && REPLICA_SCENARIOS.includes(name as ScenarioName)) {
      throw invalidArgument(`scenario ${name} needs at least 2 controller replicas: use --managers 2 or more`, { scenario: name, managers });
    }
    if (zoneRefusal !== null && ZONE_SCENARIOS.includes(name as ScenarioName)) {
      throw invalidArgument(`scenario ${name} ${zoneRefusal}`, { scenario: name, ...lab });
    }
  }
  if (names.length > 0) return names as ScenarioName[];
  return SCENARIOS.filter((s) => (managers >= 2 || !REPLICA_SCENARIOS.includes(s)) && (zoneRefusal === null || !ZONE_SCENARIOS.includes(s)));
}

/** Managers and nodes: defaults 3 managers (1 with --ci) and two workers; at least two workers always. */
function labSize(ci: boolean, managersRaw: string | undefined, nodesRaw: string | undefined): { managers: number; nodes: number } {
  const managers = managersRaw === undefined ? (ci ? 1 : 3) : positiveInt("--managers", managersRaw, 18);
  const nodes = nodesRaw === undefined ? managers + 2 : positiveInt("--nodes", nodesRaw, 20);
  if (nodes < 3) throw invalidArgument("--nodes must be at least 3 (one manager, two workers to move between)", { nodes });
  if (nodes - managers < 2) throw invalidArgument("--nodes must leave at least two workers besides the managers", { nodes, managers });
  return { managers, nodes };
}

function absolute(flag: string, path: string): string {
  if (!path.startsWith("/")) throw invalidArgument(`${flag} must be an absolute path`, { flag, path });
  return path;
}

/** Splits argv into flag values (repeatable) and booleans; positional arguments are refused. */
function split(argv: readonly string[]): { values: Map<string, string[]>; booleans: Set<string> } {
  const values = new Map<string, string[]>();
  const booleans = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string?];
    if (VALUE_FLAGS.has(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === "") throw invalidArgument(`${flag} needs a value`, { flag });
      values.set(flag, [...(values.get(flag) ?? []), value]);
    } else if (BOOLEAN_FLAGS.has(flag) && inline === undefined) {
      booleans.add(flag);
    } else {
      throw invalidArgument(`unknown argument ${arg}`, { argument: arg });
    }
  }
  return { values, booleans };
}

/** Parses `argv` (after "drill"); `{help: true}` for -h/--help/help. */
export function parseDrillArgs(argv: readonly string[]): DrillOptions | DrillHelp {
  if (argv.some((a) => a === "-h" || a === "--help" || a === "help")) return { help: true };
  const { values, booleans } = split(argv);
  const crashPoints = booleans.has("--crash-points");
  const refused = crashPoints ? NOT_WITH_CRASH_POINTS.find((flag) => values.has(flag) || booleans.has(flag)) : undefined;
  if (refused !== undefined) throw invalidArgument(`--crash-points runs its own flows on 4 nodes with 2 controller replicas: leave out ${refused}`, { flag: refused });
  const last = (flag: string) => values.get(flag)?.at(-1);
  const ci = booleans.has("--ci");
  const { managers, nodes } = crashPoints ? { managers: 2, nodes: 4 } : labSize(ci, last("--managers"), last("--nodes"));
  const settleRaw = last("--settle");
  const zones = crashPoints ? 1 : positiveInt("--zones", last("--zones") ?? "1", 6);
  return {
    scenarios: scenarioList(values.get("--scenario") ?? [], { managers, nodes, zones }),
    repeat: positiveInt("--repeat", last("--repeat") ?? "1", 1000),
    jsonFile: last("--json") ?? null,
    ci,
    nodes,
    managers,
    zones,
    dir: absolute("--dir", last("--dir") ?? "/var/lib/swarmvol-lab"),
    cacheDir: absolute("--cache", last("--cache") ?? "/var/cache/swarmvol-lab"),
    logsDir: absolute("--logs", last("--logs") ?? "/var/tmp/swarmvol-drill"),
    keepLab: booleans.has("--keep-lab"),
    settleSeconds: settleRaw === undefined ? 3 : positiveInt("--settle", settleRaw, 600),
    cloudFaults: booleans.has("--cloud-faults"),
    ...soakOptions(values),
    crashPoints,
    dispatcherHeartbeatSeconds: last("--dispatcher-heartbeat") === undefined ? null : positiveInt("--dispatcher-heartbeat", last("--dispatcher-heartbeat") as string, 60),
  };
}
