/**
 * The notification centre (issue 9, docs/messages.md): the signed-in user's inbox, badge count,
 * read state, per-channel preferences, language setting and security quiz; operators'
 * announcements (operator token). Thin: schemas in, use cases called, views out.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Identity, Locale } from '../../identity/index.ts';
import {
  ANNOUNCEMENT_BODY_CHARS_MAX,
  ANNOUNCEMENT_SCHEDULE_AHEAD_MAX_MS,
  ANNOUNCEMENT_SEGMENTS,
  ANNOUNCEMENT_TITLE_CHARS_MAX,
  type Announcement,
  type CategoryPreferences,
  INBOX_PAGE_MAX,
  localeFromAcceptLanguage,
  type Messages,
  NOTIFICATION_CATEGORIES,
  NOTIFICATION_CHANNELS,
  QUIZ_ANSWER_KEY,
  QUIZ_CHOICES,
  type QuizResult,
} from '../../notify/index.ts';
import { type Clock, COMMON_ERRORS, DomainError } from '../../shared/index.ts';
import { requireOperator, requireUser, sessionOf } from '../auth.ts';
import { errorSchema } from '../wire.ts';

const localeSchema = z.enum(['zh-CN', 'en']);
const categorySchema = z.enum(NOTIFICATION_CATEGORIES);

const messageSchema = z.object({
  id: z.string(),
  category: categorySchema,
  template: z.string().describe("The notice's template, or 'announcement'"),
  critical: z.boolean().describe('A security notice that cannot be switched off'),
  title: z.string(),
  body: z.string().describe('Plain text: render as text, never as HTML'),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});

const preferencesSchema = z.object({
  categories: z.array(
    z.object({
      category: categorySchema,
      locked: z.boolean().describe('Security notices: always on'),
      channels: z.object({
        sms: z.boolean().optional(),
        email: z.boolean().optional(),
        in_app: z.boolean().optional(),
      }),
    }),
  ),
});

const textsSchema = z
  .object({
    title: z.string().trim().min(1).max(ANNOUNCEMENT_TITLE_CHARS_MAX),
    body: z.string().trim().min(1).max(ANNOUNCEMENT_BODY_CHARS_MAX),
  })
  .strict();

const announcementSchema = z.object({
  id: z.string(),
  en: z.object({ title: z.string(), body: z.string() }),
  zhCN: z.object({ title: z.string(), body: z.string() }),
  segment: z.enum(ANNOUNCEMENT_SEGMENTS),
  publishAt: z.string(),
  createdAt: z.string(),
});

const quizResultSchema = z.object({
  score: z.number(),
  questions: z.number(),
  completedAt: z.string(),
  correct: z.array(z.boolean()).optional(),
});

function preferencesToWire(categories: readonly CategoryPreferences[]) {
  return { categories: categories.map((c) => ({ ...c, channels: { ...c.channels } })) };
}

function announcementToWire(a: Announcement): z.infer<typeof announcementSchema> {
  return {
    id: a.id.toString(),
    en: a.en,
    zhCN: a.zhCN,
    segment: a.segment,
    publishAt: a.publishAt.toISOString(),
    createdAt: a.createdAt.toISOString(),
  };
}

function quizToWire(result: QuizResult): z.infer<typeof quizResultSchema> {
  return {
    score: result.score,
    questions: result.questions,
    completedAt: result.completedAt.toISOString(),
    ...(result.correct ? { correct: [...result.correct] } : {}),
  };
}

export const messagesRoutes: FastifyPluginAsyncZod<{
  identity: Identity;
  messages: Messages;
  clock: Clock;
  operatorToken: string | undefined;
}> = async (app, { identity, messages, clock, operatorToken }) => {
  const user = requireUser(identity);
  const operator = requireOperator(operatorToken);
  const tags = ['notifications'];

  /** The user's own setting, else Accept-Language, else English. */
  async function localeFor(request: FastifyRequest, userId: string): Promise<Locale> {
    return (
      (await messages.userLocale(userId)) ?? localeFromAcceptLanguage(request.headers['accept-language'])
    );
  }

  app.get(
    '/api/v1/me/inbox',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Your notification centre, newest first, in your language',
        querystring: z
          .object({
            limit: z.coerce.number().int().min(1).max(INBOX_PAGE_MAX).default(20),
            before: z
              .string()
              .regex(/^[1-9][0-9]{0,18}$/)
              .optional(),
            category: categorySchema.optional(),
            unread: z.enum(['true', 'false']).optional(),
          })
          .strict(),
        response: {
          200: z.object({
            messages: z.array(messageSchema),
            nextBefore: z.string().nullable(),
            unread: z.number(),
          }),
          400: errorSchema,
          401: errorSchema,
        },
      },
    },
    async (request) => {
      const { user: me } = sessionOf(request);
      const { query } = request;
      const page = await messages.inbox({
        userId: me.id,
        locale: await localeFor(request, me.id),
        category: query.category,
        unreadOnly: query.unread === 'true',
        before: query.before === undefined ? undefined : BigInt(query.before),
        limit: query.limit,
      });
      return {
        messages: page.messages.map((m) => ({
          ...m,
          id: m.id.toString(),
          createdAt: m.createdAt.toISOString(),
          readAt: m.readAt?.toISOString() ?? null,
        })),
        nextBefore: page.nextBefore?.toString() ?? null,
        unread: page.unread,
      };
    },
  );

  app.get(
    '/api/v1/me/inbox/unread-count',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'How many unread messages: the badge in the app header',
        response: { 200: z.object({ unread: z.number() }), 401: errorSchema },
      },
    },
    async (request) => ({ unread: await messages.unread(sessionOf(request).user.id) }),
  );

  app.post(
    '/api/v1/me/inbox/:id/read',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Mark one of your messages read',
        params: z.object({ id: z.string().regex(/^[1-9][0-9]{0,18}$/) }),
        response: {
          200: z.object({ unread: z.number() }),
          400: errorSchema,
          401: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (request) => {
      const userId = sessionOf(request).user.id;
      await messages.markRead(userId, BigInt(request.params.id));
      return { unread: await messages.unread(userId) };
    },
  );

  app.post(
    '/api/v1/me/inbox/read-all',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Mark every message (of one category, if given) read',
        body: z.object({ category: categorySchema.optional() }).strict(),
        response: {
          200: z.object({ marked: z.number(), unread: z.number() }),
          400: errorSchema,
          401: errorSchema,
        },
      },
    },
    async (request) => {
      const userId = sessionOf(request).user.id;
      const marked = await messages.markAllRead(userId, request.body.category);
      return { marked, unread: await messages.unread(userId) };
    },
  );

  app.get(
    '/api/v1/me/notification-preferences',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Which channels each kind of message uses',
        response: { 200: preferencesSchema, 401: errorSchema },
      },
    },
    async (request) => preferencesToWire(await messages.preferences(sessionOf(request).user.id)),
  );

  app.put(
    '/api/v1/me/notification-preferences',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Switch one channel of one category on or off (security notices: refused)',
        body: z
          .object({ category: categorySchema, channel: z.enum(NOTIFICATION_CHANNELS), enabled: z.boolean() })
          .strict(),
        response: { 200: preferencesSchema, 400: errorSchema, 401: errorSchema, 409: errorSchema },
      },
    },
    async (request) =>
      preferencesToWire(
        await messages.setPreference({ userId: sessionOf(request).user.id, ...request.body }),
      ),
  );

  app.get(
    '/api/v1/me/locale',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'The language Rampart speaks to you (messages, errors, the app)',
        response: {
          200: z.object({
            locale: localeSchema,
            chosen: z
              .boolean()
              .describe('Picked in the app (true), or set at sign-up from the browser (false)'),
          }),
          401: errorSchema,
        },
      },
    },
    async (request) => {
      const userId = sessionOf(request).user.id;
      return { locale: await localeFor(request, userId), chosen: await messages.userChoseLocale(userId) };
    },
  );

  app.put(
    '/api/v1/me/locale',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Choose zh-CN or en',
        body: z.object({ locale: localeSchema }).strict(),
        response: {
          200: z.object({ locale: localeSchema, chosen: z.literal(true) }),
          400: errorSchema,
          401: errorSchema,
        },
      },
    },
    async (request) => {
      await messages.setUserLocale(sessionOf(request).user.id, request.body.locale);
      return { locale: request.body.locale, chosen: true as const };
    },
  );

  app.get(
    '/api/v1/me/security-quiz',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Your last security quiz result, if any',
        response: {
          200: z.object({ questions: z.number(), choices: z.number(), result: quizResultSchema.nullable() }),
          401: errorSchema,
        },
      },
    },
    async (request) => {
      const result = await messages.quizResult(sessionOf(request).user.id);
      return {
        questions: QUIZ_ANSWER_KEY.length,
        choices: QUIZ_CHOICES,
        result: result ? quizToWire(result) : null,
      };
    },
  );

  app.post(
    '/api/v1/me/security-quiz',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Submit the quiz: one choice index per question; the server scores and keeps it',
        body: z
          .object({
            answers: z
              .array(
                z
                  .number()
                  .int()
                  .min(0)
                  .max(QUIZ_CHOICES - 1),
              )
              .length(QUIZ_ANSWER_KEY.length),
          })
          .strict(),
        response: { 200: quizResultSchema, 400: errorSchema, 401: errorSchema },
      },
    },
    async (request) =>
      quizToWire(await messages.submitQuiz(sessionOf(request).user.id, request.body.answers)),
  );

  app.post(
    '/api/v1/operator/announcements',
    {
      preHandler: operator,
      schema: {
        tags,
        summary:
          'Publish an announcement (plain text in both languages), now or at publishAt. Operator token',
        security: [{ bearer: [] }],
        body: z
          .object({
            en: textsSchema,
            zhCN: textsSchema,
            segment: z.enum(ANNOUNCEMENT_SEGMENTS).default('all'),
            publishAt: z.string().datetime().optional(),
          })
          .strict(),
        response: { 201: announcementSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const publishAt = body.publishAt === undefined ? undefined : new Date(body.publishAt);
      if (publishAt && publishAt.getTime() - clock.nowMs() > ANNOUNCEMENT_SCHEDULE_AHEAD_MAX_MS) {
        throw new DomainError(
          COMMON_ERRORS.VALIDATION_FAILED,
          { field: 'publishAt' },
          'publishAt is more than a year ahead.',
        );
      }
      const created = await messages.publishAnnouncement({
        en: body.en,
        zhCN: body.zhCN,
        segment: body.segment,
        publishAt,
      });
      return reply.status(201).send(announcementToWire(created));
    },
  );

  app.get(
    '/api/v1/operator/announcements',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: 'Announcements, scheduled ones included, newest first. Operator token',
        security: [{ bearer: [] }],
        response: {
          200: z.object({ announcements: z.array(announcementSchema) }),
          401: errorSchema,
          404: errorSchema,
        },
      },
    },
    async () => ({ announcements: (await messages.announcements()).map(announcementToWire) }),
  );
};
