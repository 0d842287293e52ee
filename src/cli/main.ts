/**
 * The `rampart` command: serve, migrate, seed --demo, ledger verify, ledger simulate.
 * Exit codes: 0 success, 1 a check failed (verify), 2 bad usage or configuration.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { DEMO_USERS, seedDemo } from '../demo/index.ts';
import { verifyLedger } from '../ledger/index.ts';
import { openPlatform, startPlatform } from '../main.ts';
import { newSecretToken, systemClock } from '../shared/index.ts';

const USAGE = `usage: rampart <command> [options]

commands:
  serve [--demo] [--port N] [--host H]   start the platform (HTTP API, web app, background sweeps)
        [--workers N]                    N API processes sharing the port (PostgreSQL only)
  migrate                                apply database migrations
  seed --demo                            create the demo users, merchant and balances
  ledger verify                          recompute every ledger invariant; exit 1 on any breach
  ledger simulate [--seed N] [--steps N] run the seeded random-operation simulator, then verify
  reconcile --orders F (--bill F | --app ID --date D)
                                         compare a merchant's orders with its trade bill; exit 1 on any mismatch

The store is embedded PGlite in RAMPART_DATA_DIR (default ./data/rampart) unless DATABASE_URL is set.
Scale-out: DATABASE_URL, REDIS_URL (shared rate limits), NATS_URL (JetStream events); docs/scale-out.md.`;

function progress(label: string) {
  let lastMs = 0;
  return (done: number, total: number) => {
    const nowMs = Date.now();
    if (nowMs - lastMs < 200 && done < total) return;
    lastMs = nowMs;
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    process.stderr.write(`\r${label}: ${done}/${total} (${pct}%)`);
    if (done >= total) process.stderr.write('\n');
  };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      demo: { type: 'boolean', default: false },
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      steps: { type: 'string' },
      orders: { type: 'string' },
      bill: { type: 'string' },
      app: { type: 'string' },
      date: { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }

  if (command === 'serve' && values.workers !== undefined && process.env.RAMPART_CLUSTER_WORKER !== '1') {
    const { runCluster } = await import('./cluster.ts');
    return runCluster({ workers: values.workers, demo: values.demo, port: values.port, host: values.host });
  }
  if (command === 'serve') {
    const clusterWorker = process.env.RAMPART_CLUSTER_WORKER === '1';
    const operatorToken = process.env.RAMPART_OPERATOR_TOKEN || (values.demo ? newSecretToken() : undefined);
    const running = await startPlatform({
      demo: values.demo,
      port: values.port === undefined ? undefined : Number(values.port),
      host: values.host,
      operatorToken,
      skipSeed: clusterWorker,
    });
    if (clusterWorker) {
      const stopWorker = async () => {
        await running.close();
        process.exit(0);
      };
      process.once('SIGTERM', () => void stopWorker());
      process.once('SIGINT', () => void stopWorker());
      return -1;
    }
    const store =
      running.platform.store.kind === 'pglite'
        ? `embedded PGlite (${running.platform.config.dataDir})`
        : 'PostgreSQL';
    console.log(`\nRampart is running at ${running.url}  (store: ${store})`);
    console.log(`  API docs: ${running.url}/docs`);
    if (values.demo) {
      console.log('  Demo logins (phone / login password / payment password):');
      for (const user of DEMO_USERS) {
        console.log(
          `    ${user.displayName.padEnd(12)} ${user.phoneE164}  ${user.password}  ${user.paymentPassword}`,
        );
      }
      console.log('  SMS and e-mail codes appear in the "Developer inbox" panel of the web app.');
      if (!process.env.RAMPART_OPERATOR_TOKEN) console.log(`  Operator token for this run: ${operatorToken}`);
    }
    const stop = async (signal: string) => {
      console.log(`\n${signal}: shutting down`);
      await running.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
    return -1; // keep running
  }

  const config = loadConfig(process.env, { logLevel: 'silent' });
  if (command === 'ledger' && sub === 'simulate') {
    const { runSimulationCommand } = await import('./simulate-command.ts');
    return runSimulationCommand(config, {
      seed: values.seed,
      steps: values.steps,
      onProgress: progress('simulating'),
    });
  }
  if (command === 'reconcile') {
    const { runReconcileCommand } = await import('./reconcile-command.ts');
    return runReconcileCommand(config, {
      orders: values.orders,
      bill: values.bill,
      app: values.app,
      date: values.date,
    });
  }
  const platform = await openPlatform(config);
  try {
    switch (`${command}${sub ? ` ${sub}` : ''}`) {
      case 'migrate':
        console.log(`migrations applied (store: ${platform.store.kind})`);
        return 0;
      case 'seed': {
        if (!values.demo) {
          console.error('seed: only --demo data exists; pass --demo');
          return 2;
        }
        const { ledger, identity, wallet, agreements } = platform.modules;
        const report = await seedDemo({ db: platform.store.db, ledger, identity, wallet, agreements });
        console.log(`demo seeded: ${report.usersCreated} users created, ${report.topUps} top-ups posted`);
        return 0;
      }
      case 'ledger verify': {
        const report = await verifyLedger(platform.store.db, {
          nowMs: systemClock.nowMs(),
          onProgress: progress('verifying transfers'),
        });
        console.log(JSON.stringify({ ...report, ok: report.ok }, null, 2));
        return report.ok ? 0 : 1;
      }
      default:
        console.error(`unknown command: ${command}${sub ? ` ${sub}` : ''}\n\n${USAGE}`);
        return 2;
    }
  } finally {
    await platform.modules.ledger.drain();
    await platform.store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
