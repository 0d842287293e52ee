/**
 * `npm run bench -- risk`: the latency of one risk decision's feature-and-model half (issue 5
 * point 9). A seeded stream of recorded-style events (sign-ins, payments, transfers, security
 * changes, labels) first warms the feature state; then each measured payment event is timed from
 * extract() (every feature: windows of user, device, IP, payee and merchant, novelty, travel,
 * delayed fraud rates) through the model's score with its top reasons, after which it is
 * observed. Measured embedded (in-memory state) and with Redis state; one JSON line, the Redis
 * figures prefixed `redis_`. Rules are the engine half's and not in this figure. Also printed: the
 * process CPU per decision (including its observe), which a busy host does not inflate.
 */
import { Redis } from 'ioredis';
import {
  type FeatureSource,
  MemoryFeatureState,
  ModelRegistry,
  OnlineFeatureSource,
  RedisFeatureState,
  type RiskModel,
  syntheticEvents,
} from '../src/risk/index.ts';
import type { Bench, Log } from './bench-result.ts';
import { round } from './bench-result.ts';
import { LatencyHistogram } from './latency-histogram.ts';

const MODELS_DIR = 'models';
const USERS = 5_000;
const WARM_EVENTS = 20_000;
const MEASURED_EVENTS = 10_000;
const P99_GOAL_EMBEDDED_MS = 2;
const P99_GOAL_REDIS_MS = 5;
const REDIS_URL = process.env.RAMPART_BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
/** Redis deletes in slices of this many keys (one DEL per slice). */
const DELETE_SLICE = 500;

interface Run {
  decisionsPerS: number;
  /** Process CPU per measured decision (extract + score + observe): unlike wall-clock latency,
   *  not inflated when the host's other work takes the cores. */
  cpuMsPerDecision: number;
  p50Ms: number;
  p99Ms: number;
  scored: number;
  wrong: number;
}

async function run(input: {
  source: FeatureSource;
  model: RiskModel;
  log: Log;
  label: string;
}): Promise<Run> {
  const { source, model, log, label } = input;
  const histogram = new LatencyHistogram();
  let wrong = 0;
  let n = 0;
  let startedMs = 0;
  let cpuStart = process.cpuUsage();
  const events = syntheticEvents({
    seed: 11,
    users: USERS,
    events: WARM_EVENTS + MEASURED_EVENTS,
    startMs: Date.UTC(2026, 9, 1),
    gapMs: 30_000,
  });
  for (const step of events) {
    n++;
    if (n === WARM_EVENTS + 1) {
      log(`risk ${label}: warmed with ${WARM_EVENTS} events`);
      startedMs = performance.now();
      cpuStart = process.cpuUsage();
    }
    const money = step.event.amountMinor !== undefined;
    if (n > WARM_EVENTS && money) {
      const t0 = performance.now();
      const features = await source.extract(step.event);
      const score = model.score(features);
      histogram.record(performance.now() - t0);
      if (!(score.probability >= 0 && score.probability <= 1) || score.reasons.length > 5) wrong++;
    }
    await source.observe(step.event);
    if (step.label) await source.label(step.label.eventId, step.label.fraud, step.label.atMs);
  }
  const elapsedS = (performance.now() - startedMs) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return {
    decisionsPerS: histogram.count / elapsedS,
    cpuMsPerDecision: (cpu.user + cpu.system) / 1000 / Math.max(1, histogram.count),
    p50Ms: histogram.quantileMs(0.5),
    p99Ms: histogram.quantileMs(0.99),
    scored: histogram.count,
    wrong,
  };
}

export const riskBench: Bench = async (_options, log) => {
  const model = await ModelRegistry.open(MODELS_DIR);
  log(`risk: model ${model.version}, ${model.featureNames.length} features`);
  const embedded = await run({
    source: new OnlineFeatureSource(new MemoryFeatureState({ delayDays: 7 })),
    model,
    log,
    label: 'embedded',
  });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = `rampart-bench:risk:${process.pid}:`;
  let remote: Run;
  try {
    const state = new RedisFeatureState(redis, { delayDays: 7, membersPerKeyMax: 256, keyPrefix: prefix });
    remote = await run({ source: new OnlineFeatureSource(state), model, log, label: 'redis' });
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', DELETE_SLICE);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  }
  const goalMet = embedded.p99Ms <= P99_GOAL_EMBEDDED_MS && remote.p99Ms <= P99_GOAL_REDIS_MS;
  if (!goalMet)
    log(`risk: goal not met (p99 ≤ ${P99_GOAL_EMBEDDED_MS} ms embedded, ≤ ${P99_GOAL_REDIS_MS} ms Redis)`);
  return {
    ok:
      embedded.wrong === 0 && remote.wrong === 0 && embedded.scored > 0 && remote.scored === embedded.scored,
    line: {
      bench: 'risk',
      decisions_per_s: Math.round(embedded.decisionsPerS),
      p50_ms: round(embedded.p50Ms, 3),
      p99_ms: round(embedded.p99Ms, 3),
      cpu_ms_per_decision: round(embedded.cpuMsPerDecision, 3),
      redis_decisions_per_s: Math.round(remote.decisionsPerS),
      redis_p50_ms: round(remote.p50Ms, 3),
      redis_p99_ms: round(remote.p99Ms, 3),
      redis_cpu_ms_per_decision: round(remote.cpuMsPerDecision, 3),
      decisions: embedded.scored,
      model: model.version,
      features: model.featureNames.length,
      goal_met: goalMet,
    },
  };
};
