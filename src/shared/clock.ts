/**
 * Time as a dependency: production reads the system clock, tests move a manual one, so holds,
 * lockouts and session lifetimes are tested without sleeping.
 */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = Object.freeze({ nowMs: () => Date.now() });

export class ManualClock implements Clock {
  #nowMs: number;
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#nowMs = startMs;
  }
  nowMs(): number {
    return this.#nowMs;
  }
  advance(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < 0)
      throw new RangeError('advance: ms must be a non-negative integer');
    this.#nowMs += ms;
  }
  set(ms: number): void {
    this.#nowMs = ms;
  }
}
