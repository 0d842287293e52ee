import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEV_INBOX_MESSAGES_MAX, type DevInbox } from '../../notify/index.ts';
import { errorSchema } from '../wire.ts';

export interface DevInboxRoutesOptions {
  inbox: DevInbox;
}

/** Messages per page when the caller does not say. */
export const DEV_INBOX_PAGE_DEFAULT = 20;

/**
 * GET /api/v1/dev/inbox: what the built-in SMS and e-mail providers "sent", newest first, so a
 * person can try every flow without a phone. It shows every one-time code to whoever asks:
 * register it in embedded/demo mode only, never in production.
 */
export const devInboxRoutes: FastifyPluginAsyncZod<DevInboxRoutesOptions> = async (app, { inbox }) => {
  app.get(
    '/api/v1/dev/inbox',
    {
      schema: {
        tags: ['dev'],
        summary: 'Developer inbox: the latest SMS and e-mails (embedded/demo mode only)',
        querystring: z
          .object({
            to: z.string().trim().min(1).max(320).optional(),
            limit: z.coerce.number().int().min(1).max(DEV_INBOX_MESSAGES_MAX).default(DEV_INBOX_PAGE_DEFAULT),
          })
          .strict(),
        response: {
          200: z.object({
            messages: z.array(
              z.object({
                channel: z.enum(['sms', 'email']),
                to: z.string(),
                subject: z.string().nullable(),
                text: z.string(),
                sentAt: z.string(),
              }),
            ),
          }),
          400: errorSchema,
        },
      },
    },
    async (request, reply) => {
      // Codes inside: never cached by a browser or a proxy.
      reply.header('cache-control', 'no-store');
      const messages = inbox.list({ to: request.query.to, limit: request.query.limit });
      return {
        messages: messages.map((m) => ({
          channel: m.channel,
          to: m.to,
          subject: m.subject,
          text: m.text,
          sentAt: m.sentAt.toISOString(),
        })),
      };
    },
  );
};
