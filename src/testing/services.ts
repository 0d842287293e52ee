/**
 * Stopping and starting the local services for the fault tests, with the commands the machine's
 * notes give (/work/.library/env/machines/node-svc.md). Each stop is paired with `ensureUp`,
 * which the tests call in `finally`/`after` so a failing test still leaves the services running.
 * Ports come from REDIS_URL / NATS_URL, so the tests can be pointed at private instances.
 */
import { execFileSync, execSync } from 'node:child_process';
import { createConnection } from 'node:net';

export async function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitPort(port: number, open: boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await portOpen(port)) === open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} did not ${open ? 'open' : 'close'} within ${timeoutMs} ms`);
}

export interface Service {
  readonly name: string;
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Starts it when its port is closed (the `finally` of every fault test). */
  ensureUp(): Promise<void>;
}

function portOf(url: string, fallback: number): number {
  return Number(new URL(url).port || fallback);
}

export function redisService(url: string): Service {
  const port = portOf(url, 6379);
  const start = async () => {
    execFileSync('redis-server', [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '-::1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      '/var/lib/redis',
      '--logfile',
      port === 6379 ? '/var/log/redis/ci.log' : `/tmp/rampart-redis-${port}.log`,
    ]);
    await waitPort(port, true, 10_000);
  };
  return {
    name: 'redis',
    port,
    async stop() {
      execFileSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
      await waitPort(port, false, 10_000);
    },
    start,
    async ensureUp() {
      if (!(await portOpen(port))) await start();
    },
  };
}

/** The pid listening on `port` (ss), or undefined. */
function listenerPid(port: number): number | undefined {
  const out = execSync(`ss -ltnpH "sport = :${port}"`, { encoding: 'utf8' });
  const match = /pid=(\d+)/.exec(out);
  return match ? Number(match[1]) : undefined;
}

export function natsService(url: string): Service {
  const port = portOf(url, 4222);
  const storeDir = port === 4222 ? '/var/lib/nats-server' : `/tmp/rampart-nats-${port}`;
  const logFile = port === 4222 ? '/var/log/nats-server.log' : `/tmp/rampart-nats-${port}.log`;
  const start = async () => {
    execFileSync('start-stop-daemon', [
      '--start',
      '--background',
      '--make-pidfile',
      '--pidfile',
      `/tmp/rampart-nats-${port}.pid`,
      '--exec',
      '/usr/sbin/nats-server',
      '--',
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '-js',
      '-sd',
      storeDir,
      '-l',
      logFile,
    ]);
    await waitPort(port, true, 15_000);
  };
  return {
    name: 'nats',
    port,
    async stop() {
      const pid = listenerPid(port);
      if (pid === undefined) throw new Error(`no NATS server listens on ${port}`);
      process.kill(pid, 'SIGTERM');
      await waitPort(port, false, 15_000);
    },
    start,
    async ensureUp() {
      if (!(await portOpen(port))) await start();
    },
  };
}

export function postgresService(adminUrl: string): Service & { restart(): Promise<void> } {
  const port = portOf(adminUrl, 5432);
  const restartCommand =
    process.env.RAMPART_FAULT_PG_RESTART_CMD ??
    'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -n1) main restart';
  const startCommand =
    process.env.RAMPART_FAULT_PG_START_CMD ??
    'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -n1) main start';
  const start = async () => {
    execSync(startCommand, { stdio: 'ignore' });
    await waitPort(port, true, 30_000);
  };
  return {
    name: 'postgres',
    port,
    async stop() {
      throw new Error('use restart()');
    },
    start,
    async restart() {
      // `-m fast` is pg_ctlcluster's default: open sessions are ended, which is the fault.
      execSync(restartCommand, { stdio: 'ignore' });
      await waitPort(port, true, 30_000);
    },
    async ensureUp() {
      if (!(await portOpen(port))) await start();
    },
  };
}
