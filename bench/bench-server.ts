/**
 * The platform as the HTTP benches run it: production wiring on the given store, silent logs,
 * no web app, no rate limits (the benches measure throughput, not the limiter), listening on an
 * ephemeral loopback port. The caller closes `app`.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { RateLimiter } from '../src/identity/index.ts';
import { createModules, type Modules } from '../src/main.ts';
import { systemClock } from '../src/shared/index.ts';
import type { Store } from '../src/store/index.ts';

export const NO_LIMITS: RateLimiter = { consume: async () => ({ ok: true }) };

export async function listenBenchServer(
  store: Store,
): Promise<{ modules: Modules; app: FastifyInstance; baseUrl: string }> {
  const config = loadConfig(
    {},
    { host: '127.0.0.1', port: 0, logLevel: 'silent', webDistDir: '/nonexistent' },
  );
  const modules = createModules(store, config, systemClock, {
    masterKey: randomBytes(32),
    devMode: false,
    rateLimiter: NO_LIMITS,
  });
  const app = await buildApp({ config, clock: systemClock, ping: store.ping, ...modules, demo: false });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (typeof address !== 'object' || !address) throw new Error('the server has no TCP address');
    return { modules, app, baseUrl: `http://127.0.0.1:${address.port}` };
  } catch (error) {
    await app.close();
    throw error;
  }
}
