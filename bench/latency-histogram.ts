/**
 * Latencies in bounded memory: logarithmic buckets, each 2% wider than the one before (the
 * HdrHistogram idea with a fixed relative error), from 10 µs to 60 s. A quantile is reported as
 * its bucket's upper bound, so it may overstate by at most 2%, never understate.
 */
const LATENCY_MIN_MS = 0.01;
const LATENCY_MAX_MS = 60_000;
const BUCKET_GROWTH = 1.02;
/** ln(60,000 / 0.01) / ln(1.02) ≈ 788 buckets, plus one for everything at or below the minimum. */
const BUCKET_COUNT = Math.ceil(Math.log(LATENCY_MAX_MS / LATENCY_MIN_MS) / Math.log(BUCKET_GROWTH)) + 1;

export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKET_COUNT);
  #count = 0;
  #sumMs = 0;
  #maxMs = 0;

  record(latencyMs: number): void {
    const index =
      latencyMs <= LATENCY_MIN_MS
        ? 0
        : Math.min(
            Math.ceil(Math.log(latencyMs / LATENCY_MIN_MS) / Math.log(BUCKET_GROWTH)),
            BUCKET_COUNT - 1,
          );
    this.#counts[index]! += 1;
    this.#count += 1;
    this.#sumMs += latencyMs;
    if (latencyMs > this.#maxMs) this.#maxMs = latencyMs;
  }

  get count(): number {
    return this.#count;
  }

  meanMs(): number {
    return this.#count === 0 ? 0 : this.#sumMs / this.#count;
  }

  /** The latency that `quantile` (0..1] of the samples did not exceed; 0 when empty. */
  quantileMs(quantile: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(quantile * this.#count));
    let seen = 0;
    for (let index = 0; index < BUCKET_COUNT; index++) {
      seen += this.#counts[index]!;
      if (seen >= rank) return Math.min(LATENCY_MIN_MS * BUCKET_GROWTH ** index, this.#maxMs);
    }
    return this.#maxMs;
  }
}
