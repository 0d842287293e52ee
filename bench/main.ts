/**
 * `npm run bench -- [name...] [options]`: runs the named benches (all when none is named), one
 * JSON line each on stdout, progress on stderr. Exits 1 when a bench's checks fail, 2 on bad usage.
 */
import type { Bench, Log } from './bench-result.ts';
import { gatewayBench } from './gateway-bench.ts';
import { ledgerBench } from './ledger-bench.ts';
import { loadBench } from './load-bench.ts';
import { loginBench } from './login-bench.ts';
import { parseBenchOptions, USAGE, UsageError } from './options.ts';
import { payBench } from './pay-bench.ts';
import { riskBench } from './risk-bench.ts';

/** Every bench, by the name given on the command line; a new bench is one more row. */
const BENCHES: Readonly<Record<string, Bench>> = {
  ledger: ledgerBench('spread'),
  'ledger-hot': ledgerBench('hot'),
  login: loginBench,
  pay: payBench,
  gateway: gatewayBench,
  risk: riskBench,
  load: loadBench,
};

const log: Log = (line) => process.stderr.write(`${line}\n`);

async function main(argv: readonly string[]): Promise<number> {
  let options: ReturnType<typeof parseBenchOptions>;
  try {
    options = parseBenchOptions(argv);
    const unknown = options.names.filter((name) => !Object.hasOwn(BENCHES, name));
    if (unknown.length > 0)
      throw new UsageError(`unknown bench ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    log(`${error.message}\n${USAGE}`);
    return 2;
  }
  const names = options.names.length > 0 ? options.names : Object.keys(BENCHES);
  let exitCode = 0;
  for (const name of names) {
    const bench = BENCHES[name];
    if (!bench) continue;
    const result = await bench(options, log);
    process.stdout.write(`${JSON.stringify(result.line)}\n`);
    if (!result.ok) {
      log(`${name}: checks FAILED`);
      exitCode = 1;
    }
  }
  return exitCode;
}

process.exitCode = await main(process.argv.slice(2));
