/**
 * The Security Center's security lock and check-up (docs/protection.md). Thin: schemas in, use
 * cases called, views out. Changing the lock needs a fresh step-up.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Identity } from '../../identity/index.ts';
import {
  CHECK_UP_ITEMS,
  type CheckUp,
  type SecurityLock,
  type SecurityLockView,
} from '../../protection/index.ts';
import type { Clock } from '../../shared/index.ts';
import { originOf, requireStepUp, requireUser, sessionOf } from '../auth.ts';
import { errorSchema } from '../wire.ts';

const lockSchema = z.object({
  enabled: z.boolean(),
  coolingOffHours: z.number().describe('A new payee can first be paid this long after being named'),
  night: z.object({
    enabled: z.boolean(),
    start: z.string().describe('HH:MM local time'),
    end: z.string(),
    timeZone: z.string().describe('IANA time zone, Asia/Shanghai by default'),
    activeNow: z.boolean(),
  }),
});

const checkUpSchema = z.object({
  score: z.number().int().min(0).max(100),
  items: z.array(
    z.object({
      id: z.enum(CHECK_UP_ITEMS),
      on: z.boolean(),
      weight: z.number().int(),
      fixRoute: z.string().describe('The web route of the setting that turns it on'),
    }),
  ),
});

function lockToWire(view: SecurityLockView): z.infer<typeof lockSchema> {
  return { enabled: view.enabled, coolingOffHours: view.coolingOffHours, night: { ...view.night } };
}

export const protectionRoutes: FastifyPluginAsyncZod<{
  identity: Identity;
  lock: SecurityLock;
  checkUp: CheckUp;
  clock: Clock;
}> = async (app, { identity, lock, checkUp, clock }) => {
  const user = requireUser(identity);
  const stepUp = requireStepUp(() => clock.nowMs());
  const tags = ['security'];

  app.get(
    '/api/v1/me/security-lock',
    {
      preHandler: user,
      schema: { tags, summary: 'Your security lock settings', response: { 200: lockSchema } },
    },
    async (request) => lockToWire(await lock.get(sessionOf(request).user.id)),
  );

  app.put(
    '/api/v1/me/security-lock',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Turn the security lock on or off, or change it (fresh step-up)',
        body: z
          .object({
            enabled: z.boolean(),
            coolingOffHours: z.number().min(0).max(1000).optional(),
            night: z
              .object({
                enabled: z.boolean(),
                start: z.string().max(5).optional(),
                end: z.string().max(5).optional(),
                timeZone: z.string().max(64).optional(),
              })
              .strict()
              .optional(),
          })
          .strict(),
        response: { 200: lockSchema, 400: errorSchema, 403: errorSchema },
      },
    },
    async (request) =>
      lockToWire(
        await lock.set({
          userId: sessionOf(request).user.id,
          enabled: request.body.enabled,
          coolingOffHours: request.body.coolingOffHours,
          night: request.body.night,
          // Issue 5: turning the lock off is a security change the risk engine scores.
          requireStepUp: async () => {
            await stepUp(request);
            if (!request.body.enabled) {
              await identity.security.guardChange(
                sessionOf(request),
                'security_lock_off',
                identity.locate(originOf(request)),
              );
            }
          },
        }),
      ),
  );

  // The path and the /api/v1/me/ one answer the same check-up.
  for (const url of ['/api/v1/me/security/check-up', '/api/security/check-up']) {
    app.get(
      url,
      {
        preHandler: user,
        schema: {
          tags,
          summary: 'Security check-up: a score 0–100 and each protection, on or off, with its fix',
          response: { 200: checkUpSchema },
        },
      },
      async (request) => {
        const view = await checkUp.run(sessionOf(request).user.id);
        return { score: view.score, items: [...view.items] };
      },
    );
  }
};
