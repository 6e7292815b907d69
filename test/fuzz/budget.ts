/**
 * The fuzz budget and seed, shared by the vitest files (test/fuzz/*.test.ts) and the bench
 * suite (bench/fuzz.ts), so a long run explores the same properties as CI with more cases.
 *
 * - `SWARMVOL_FUZZ_RUNS`: runs of a cheap (pure-parser) property; a property over sockets
 *   costs more per run and gets `weight` times that (at least `minRuns`). Default 100: the
 *   whole set then takes well under a minute on two busy cores.
 * - `SWARMVOL_FUZZ_SEED`: fixed by default so CI is reproducible; a failure prints the seed
 *   and path to replay (fast-check's own report), and the shrunk case becomes a plain test.
 */
import fc from "fast-check";

export const defaultFuzzRuns = 100;
export const defaultFuzzSeed = 13_2026;
const minRuns = 3;

/** One named property; `check` runs it with the given fast-check parameters. */
export interface FuzzProperty {
  name: string;
  /** Cost of one run relative to a pure parser (1); socket properties are 0.02-0.3. */
  weight: number;
  check(parameters: fc.Parameters<unknown>): Promise<fc.RunDetails<unknown>>;
}

function positiveInteger(text: string | undefined, fallback: number, variable: string): number {
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${variable} must be a positive whole number, got "${text}"`);
  return value;
}

export function fuzzBudget(env: Readonly<Record<string, string | undefined>> = process.env): { runs: number; seed: number } {
  return {
    runs: positiveInteger(env.SWARMVOL_FUZZ_RUNS, defaultFuzzRuns, "SWARMVOL_FUZZ_RUNS"),
    seed: positiveInteger(env.SWARMVOL_FUZZ_SEED, defaultFuzzSeed, "SWARMVOL_FUZZ_SEED"),
  };
}

/** fast-check parameters for one property under a budget; `endOnFailure` keeps shrinking short in the bench. */
export function parametersFor(property: FuzzProperty, budget: { runs: number; seed: number }): fc.Parameters<unknown> {
  return { seed: budget.seed, numRuns: Math.max(minRuns, Math.round(budget.runs * property.weight)) };
}

/** A synchronous or asynchronous fast-check property as a FuzzProperty. */
export function fuzzProperty<Ts>(name: string, weight: number, make: () => fc.IRawProperty<Ts>): FuzzProperty {
  return {
    name,
    weight,
    check: async (parameters) => (await fc.check(make(), parameters as fc.Parameters<Ts>)) as fc.RunDetails<unknown>,
  };
}

/** Throws fast-check's own report (seed, path, shrunk counterexample) when a property failed. */
export function assertHeld(details: fc.RunDetails<unknown>): void {
  if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? "property failed");
}
