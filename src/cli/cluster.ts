/**
 * `rampart serve --workers N`: N API processes on one port (node:cluster hands connections to
 * the workers). The primary migrates and seeds once, then forks; each worker is a whole platform
 * (HTTP, jobs, event consumers) over the shared PostgreSQL, Redis and NATS, so any worker may
 * die and the others keep serving. A worker that dies is replaced after a short pause.
 * PostgreSQL only: the embedded PGlite store is one process by design.
 */
import cluster from 'node:cluster';
import { loadConfig } from '../config.ts';
import { seedDemo } from '../demo/index.ts';
import { openPlatform } from '../main.ts';
import { newSecretToken } from '../shared/index.ts';

export const WORKERS_MAX = 64;
const RESPAWN_DELAY_MS = 1_000;

export async function runCluster(options: {
  workers: string;
  demo: boolean;
  port: string | undefined;
  host: string | undefined;
}): Promise<number> {
  const workers = Number(options.workers);
  if (!Number.isSafeInteger(workers) || workers < 1 || workers > WORKERS_MAX) {
    console.error(`serve: --workers takes 1–${WORKERS_MAX}`);
    return 2;
  }
  const config = loadConfig(process.env, { logLevel: 'silent' });
  if (!config.databaseUrl) {
    console.error(
      'serve --workers needs DATABASE_URL: the embedded store is one process (docs/scale-out.md)',
    );
    return 2;
  }
  // Migrate (and seed) once, before any worker opens the database.
  const platform = await openPlatform(config, { demo: options.demo });
  try {
    if (options.demo) {
      const { ledger, identity, wallet } = platform.modules;
      await seedDemo({ db: platform.store.db, ledger, identity, wallet });
    }
  } finally {
    await platform.modules.ledger.drain();
    await platform.store.close();
  }
  const operatorToken = process.env.RAMPART_OPERATOR_TOKEN || (options.demo ? newSecretToken() : undefined);
  const args = ['serve', ...(options.demo ? ['--demo'] : [])];
  if (options.port !== undefined) args.push('--port', options.port);
  if (options.host !== undefined) args.push('--host', options.host);
  cluster.setupPrimary({ args });
  const env = {
    RAMPART_CLUSTER_WORKER: '1',
    ...(operatorToken ? { RAMPART_OPERATOR_TOKEN: operatorToken } : {}),
  };
  let stopping = false;
  const fork = () => cluster.fork(env);
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    setTimeout(fork, RESPAWN_DELAY_MS).unref();
  });
  for (let i = 0; i < workers; i++) fork();
  console.log(
    `Rampart: ${workers} workers on port ${options.port ?? config.port} (PostgreSQL${config.redisUrl ? ' + Redis' : ''}${config.natsUrl ? ' + NATS' : ''})`,
  );
  if (options.demo && !process.env.RAMPART_OPERATOR_TOKEN)
    console.log(`  Operator token for this run: ${operatorToken}`);
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    const exitWhenDone = setInterval(() => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    }, 100);
    exitWhenDone.unref();
    setTimeout(() => process.exit(0), 10_000);
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return -1;
}
