/**
 * `rampart reconcile --orders <csv> (--bill <csv> | --app <appId> --date <yyyy-MM-dd|yyyy-MM>)`:
 * compares a merchant's order list (columns out_trade_no, amount, status) with the platform's
 * `trade` bill — a downloaded file, or built from this platform's database — and prints every
 * mismatch as JSON. Exit 0 when everything matches, 1 on any mismatch (docs/gateway.md).
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import { reconcile } from '../gateway/index.ts';
import { openPlatform } from '../main.ts';

export async function runReconcileCommand(
  config: Config,
  input: {
    orders: string | undefined;
    bill: string | undefined;
    app: string | undefined;
    date: string | undefined;
  },
): Promise<number> {
  if (!input.orders || (!input.bill && !(input.app && input.date))) {
    console.error(
      'reconcile: pass --orders <csv> and either --bill <csv> or --app <appId> --date <yyyy-MM-dd|yyyy-MM>',
    );
    return 2;
  }
  const ordersCsv = readFileSync(input.orders, 'utf8');
  let billCsv: string;
  if (input.bill) {
    billCsv = readFileSync(input.bill, 'utf8');
  } else {
    const platform = await openPlatform(config);
    try {
      billCsv = await platform.modules.gateway.buildBill({
        appId: input.app ?? '',
        billType: 'trade',
        billDate: input.date ?? '',
      });
    } finally {
      await platform.modules.ledger.drain();
      await platform.store.close();
    }
  }
  const report = reconcile({ ordersCsv, billCsv });
  console.log(JSON.stringify({ ok: report.mismatches.length === 0, ...report }, null, 2));
  return report.mismatches.length === 0 ? 0 : 1;
}
