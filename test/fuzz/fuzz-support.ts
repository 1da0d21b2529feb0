// Shared knobs for the fuzz suites. Every property runs with a seed that is
// printed when it fails (fast-check's report) and can be replayed with
// FUZZ_SEED=<seed> (and FUZZ_PATH=<path> for the exact shrunk case); FUZZ_RUNS
// scales the number of cases (default sized so the whole area stays fast on
// a 2-core machine).
import type fc from 'fast-check';

const envInt = (name: string): number | undefined => {
  const v = process.env[name];
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
};

/** fast-check parameters for a property that runs `runs` cases by default. */
export function fuzzParams<T>(runs: number): fc.Parameters<T> {
  const seed = envInt('FUZZ_SEED');
  const scale = envInt('FUZZ_RUNS');
  const params: fc.Parameters<T> = { numRuns: scale ?? runs, endOnFailure: false };
  if (seed !== undefined) params.seed = seed;
  if (process.env.FUZZ_PATH) params.path = process.env.FUZZ_PATH;
  return params;
}

export { prng } from '../helpers/prng.js';

/** The seed of a seeded (non-fast-check) loop: FUZZ_SEED, else a fresh one (printed by the caller on failure). */
export function loopSeed(): number {
  return envInt('FUZZ_SEED') ?? Math.floor(Math.random() * 2 ** 31);
}
