/**
 * `npm run recovery -- report [--json] [--since-days N]`: issue 7 point 8, the recovery figures
 * from the audit log of the configured store (RAMPART_DATA_DIR or RAMPART_DATABASE_URL, as for
 * `rampart serve`). Prints a short table, or one JSON line with --json.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openPlatform } from '../main.ts';
import { formatReport } from './recovery-report-format.ts';

const DAY_MS = 24 * 3600_000;

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
