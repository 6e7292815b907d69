import { benchPluginVerbs } from "./pluginVerbs.js";
import { benchControllerScale } from "./controllerScale.js";
import { benchEc2Calls } from "./ec2Calls.js";
import { benchLabBurst, benchLabFailover } from "./labFailover.js";
import { benchLabKill } from "./labKill.js";
import { benchLabTakeover } from "./labTakeover.js";
import { benchLabStress } from "./labStress.js";
import { benchLabCrossZone } from "./labCrossZone.js";
import { benchFsFreeze } from "./fsFreezeCost.js";
import { benchMmp } from "./mmpCost.js";
import { writeResults } from "./resultsFile.js";
import type { BenchResult } from "./stats.js";

/** Every benchmark suite, by name; `npm run bench -- NAME` runs a subset. */
const suites: Record<string, () => Promise<BenchResult[]>> = {
  "plugin-verbs": benchPluginVerbs,
  "controller-scale": benchControllerScale,
  "ec2-calls": benchEc2Calls,
  fsfreeze: benchFsFreeze,
  mmp: benchMmp,
  "lab-failover": benchLabFailover,
  "lab-burst": benchLabBurst,
  "lab-kill": () => benchLabKill(),
  "lab-takeover": benchLabTakeover,
  "lab-stress": () => benchLabStress(),
  "lab-cross-zone": () => benchLabCrossZone(),
  // Loaded only when run: it needs fast-check, a devDependency.
  fuzz: async () => (await import("./fuzz.js")).benchFuzz(),
};

/** Suites that touch no loop device, mount or dockerd, so run without root. */
const rootless: ReadonlySet<string> = new Set(["fuzz"]);

async function main(argv: string[]): Promise<number> {
  const chosen = argv.length > 0 ? argv : Object.keys(suites);
  const unknown = chosen.filter((name) => !(name in suites));
  if (unknown.length > 0) {
    process.stderr.write(`swarmvol bench: unknown suite ${unknown.join(", ")}; suites: ${Object.keys(suites).join(", ")}\n`);
    return 2;
  }
  if (process.getuid?.() !== 0 && chosen.some((name) => !rootless.has(name))) {
    process.stderr.write("swarmvol bench: needs root (real loop devices, mounts and dockerd); run it as root, or only the fuzz suite\n");
    return 2;
  }
  const fresh: BenchResult[] = [];
  for (const name of chosen) {
    process.stderr.write(`bench: ${name}...\n`);
    fresh.push(...(await (suites[name] as () => Promise<BenchResult[]>)()));
  }
  await writeResults("bench/results.json", fresh, { chart: "bench/results.svg" });
  for (const result of fresh) {
    const stat = result.target?.stat ?? "p50";
    const target = result.target ? `target <= ${result.target.max}` : "no target";
    const verdict = result.target === null ? "INFO" : result.pass ? "PASS" : "MISS";
    process.stdout.write(`${verdict}  ${result.title}: ${stat} ${result[stat]} ${result.unit} (${target}; p50 ${result.p50})\n`);
  }
  process.stdout.write("wrote bench/results.json and bench/results.svg\n");
  return 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`swarmvol bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
