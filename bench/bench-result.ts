import type { BenchOptions } from './options.ts';

/** What one bench hands back: the JSON line to print, and whether the run proved what it must
 *  (a failed check prints its line anyway, then the process exits non-zero). */
export interface BenchResult {
  readonly line: Readonly<Record<string, string | number | boolean | null>>;
  readonly ok: boolean;
}

/** Progress and diagnostics: stderr only, so stdout stays one JSON line per bench. */
export type Log = (line: string) => void;

export type Bench = (options: BenchOptions, log: Log) => Promise<BenchResult>;

/** Rounds for printing: figures carry no more digits than the measurement supports. */
export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
