/**
 * The fuzz set of test/fuzz (every parser of user input, both HTTP surfaces over real
 * sockets) with a much larger budget than CI's: SWARMVOL_FUZZ_RUNS, 5000 unless set (CI
 * runs 100), from the same fixed seed (SWARMVOL_FUZZ_SEED) so a failure replays. Needs
 * neither root nor the lab. Reports the runs made and the properties that failed, with
 * fast-check's shrunk counterexample in the notes: any failure misses the target (0).
 */
import { fuzzBudget, parametersFor, type FuzzProperty } from "../test/fuzz/budget.js";
import { apiSurfaceProperties } from "../test/fuzz/properties/apiSurface.js";
import { commandLineProperties } from "../test/fuzz/properties/commandLine.js";
import { pluginSurfaceProperties } from "../test/fuzz/properties/pluginSurface.js";
import { swarmInputProperties } from "../test/fuzz/properties/swarmInput.js";
import { volumeInputProperties } from "../test/fuzz/properties/volumeInput.js";
import { summarise, type BenchResult } from "./stats.js";

const benchRuns = "5000";

export const fuzzProperties: readonly FuzzProperty[] = [
  ...volumeInputProperties, ...commandLineProperties, ...swarmInputProperties, ...pluginSurfaceProperties, ...apiSurfaceProperties,
];

export async function benchFuzz(env: NodeJS.ProcessEnv = process.env): Promise<BenchResult[]> {
  const budget = fuzzBudget({ ...env, SWARMVOL_FUZZ_RUNS: env.SWARMVOL_FUZZ_RUNS ?? benchRuns });
  const runs: number[] = [];
  const failed: number[] = [];
  const failures: string[] = [];
  for (const property of fuzzProperties) {
    process.stderr.write(`bench: fuzz ${property.name}...\n`);
    const details = await property.check(parametersFor(property, budget));
    runs.push(details.numRuns);
    failed.push(details.failed ? 1 : 0);
    if (details.failed) {
      failures.push(`${property.name} (seed ${budget.seed}, path ${details.counterexamplePath}): ${JSON.stringify(details.counterexample).slice(0, 300)}`);
    }
  }
  const total = runs.reduce((sum, value) => sum + value, 0);
  return [
    summarise("fuzz-runs", "Fuzz: runs per property", "runs", runs, null, `${total} runs of ${runs.length} properties, seed ${budget.seed}`),
    summarise("fuzz-failures", "Fuzz: failed properties", "failures", failed, { stat: "p99", max: 0 }, failures.length === 0 ? "none" : failures.join("; ")),
  ];
}
