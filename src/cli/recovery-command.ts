/**
 * `npm run recovery -- report [--json] [--since-days N]`: issue 7 point 8, the recovery figures
 * from the audit log of the configured store (RAMPART_DATA_DIR or RAMPART_DATABASE_URL, as for
 * `rampart serve`). Prints a short table, or one JSON line with --json.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openPlatform } from '../main.ts';
import type { RecoveryReport } from '../recovery/index.ts';

const DAY_MS = 24 * 3600_000;

function percent(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(1)} %`;
}

function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `${(ms / 1000).toFixed(0)} s`;
  if (ms < 3600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3600_000).toFixed(1)} h`;
}

export function formatReport(report: RecoveryReport): string {
  const s = report.selfService;
  const m = report.manual;
  return [
    'recovery            started  succeeded  success rate  median time  within yardstick',
    `self-service        ${String(s.started).padStart(7)}  ${String(s.succeeded).padStart(9)}  ${percent(s.successRate).padStart(12)}  ${duration(s.medianMs).padStart(11)}  ${percent(s.withinYardstickRate).padStart(10)} (5 min)`,
    `manual (phone lost) ${String(m.started).padStart(7)}  ${String(m.succeeded).padStart(9)}  ${percent(m.successRate).padStart(12)}  ${duration(m.medianMs).padStart(11)}  ${percent(m.withinYardstickRate).padStart(10)} (24 h)`,
    '',
    `self-service attempts for phone numbers without an account: ${s.startedForUnknownPhones}`,
    `manual requests rejected: ${m.rejected}, cancelled by the owner during the cool-down: ${m.cancelled}`,
    'yardstick (the seeds): 92 % self-service within 5 minutes, 78 % manual within 24 hours',
  ].join('\n');
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, 'since-days': { type: 'string' } },
  });
  if (positionals[0] !== 'report') {
    console.error('usage: npm run recovery -- report [--json] [--since-days N]');
    return 2;
  }
  const sinceDays = values['since-days'] === undefined ? undefined : Number(values['since-days']);
  if (sinceDays !== undefined && !(Number.isInteger(sinceDays) && sinceDays > 0)) {
    console.error('--since-days takes a whole number of days');
    return 2;
  }
  const platform = await openPlatform(loadConfig(process.env, { logLevel: 'silent' }));
  try {
    const report = await platform.modules.recovery.report(
      sinceDays === undefined ? {} : { sinceMs: Date.now() - sinceDays * DAY_MS },
    );
    console.log(values.json ? JSON.stringify(report) : formatReport(report));
    return 0;
  } finally {
    await platform.modules.ledger.drain();
    await platform.store.close();
  }
}

process.exitCode = await main();
