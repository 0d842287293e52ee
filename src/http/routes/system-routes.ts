import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { DEMO_USERS } from '../../demo/index.ts';
import { COMMON_ERRORS, DomainError } from '../../shared/index.ts';
import { errorSchema } from '../wire.ts';

export interface SystemRoutesOptions {
  ping: () => Promise<void>;
  metrics: Registry;
  demo: boolean;
  instanceId?: string | undefined;
}

export const systemRoutes: FastifyPluginAsyncZod<SystemRoutesOptions> = async (
  app,
  { ping, metrics, demo, instanceId },
) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness: the process serves requests',
        response: { 200: z.object({ status: z.literal('ok'), instance: z.string().optional() }) },
      },
    },
    async () => ({ status: 'ok' as const, ...(instanceId ? { instance: instanceId } : {}) }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['system'],
        summary: 'Readiness: the store answers',
        response: { 200: z.object({ status: z.literal('ready') }), 503: errorSchema },
      },
    },
    async () => {
      try {
        await ping();
      } catch {
        throw new DomainError(COMMON_ERRORS.UNAVAILABLE, undefined, 'The store is not reachable.');
      }
      return { status: 'ready' as const };
    },
  );

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  });

  app.get(
    '/api/v1/demo',
    {
      schema: {
        tags: ['system'],
        summary: 'Demo logins (demo mode only)',
        response: {
          200: z.object({
            demo: z.literal(true),
            users: z.array(z.object({ phone: z.string(), displayName: z.string(), password: z.string() })),
          }),
          404: errorSchema,
        },
      },
    },
    async () => {
      if (!demo) throw new DomainError(COMMON_ERRORS.NOT_FOUND);
      return {
        demo: true as const,
        users: DEMO_USERS.map((u) => ({
          phone: u.phoneE164,
          displayName: u.displayName,
          password: u.password,
        })),
      };
    },
  );
};
