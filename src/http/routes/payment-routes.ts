/**
 * Payments (docs/payments.md): a two-step flow — create an intent that fixes payee and amount and
 * says what confirmation it needs, then confirm it (or cancel it) — and the Security Center's
 * payment limits and password-free settings. Thin: schemas in, use cases called, views out.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Identity, Located } from '../../identity/index.ts';
import {
  type ChannelLimitsView,
  NOTE_LENGTH_MAX,
  PAYMENT_CHANNELS,
  type PasswordFreeView,
  type Payments,
} from '../../payments/index.ts';
import { CLIENT_ID_PATTERN, type Clock } from '../../shared/index.ts';
import { originOf, requireStepUp, requireUser, sessionOf } from '../auth.ts';
import { intentSchema, intentToWire, parseMoney, wireMoney } from '../payment-wire.ts';
import { amountInputSchema, errorSchema, moneySchema } from '../wire.ts';

const channelSchema = z.enum(PAYMENT_CHANNELS);
const intentIdParams = z.object({ id: z.string().min(1).max(64) });

const payeeInputSchema = z.union([
  z.object({ phone: z.string().min(1).max(32).describe('E.164, or a mainland number without +86') }).strict(),
  z.object({ merchantId: z.string().min(1).max(64) }).strict(),
]);

const channelLimitsSchema = z.object({
  channel: channelSchema,
  available: z.boolean(),
  perPayment: moneySchema,
  perDay: moneySchema,
  platformMaxPerPayment: moneySchema,
  platformMaxPerDay: moneySchema,
  spentToday: moneySchema,
  allowanceLeftToday: moneySchema,
});

const passwordFreeSchema = z.object({
  enabled: z.boolean(),
  perPaymentCap: moneySchema,
  dailyCap: moneySchema,
  ceiling: moneySchema,
  usedToday: moneySchema,
  leftToday: moneySchema,
});

export const paymentRoutes: FastifyPluginAsyncZod<{
  identity: Identity;
  payments: Payments;
  clock: Clock;
}> = async (app, { identity, payments, clock }) => {
  const user = requireUser(identity);
  const stepUp = requireStepUp(() => clock.nowMs());
  const located = (request: FastifyRequest): Located => identity.locate(originOf(request));
  const tags = ['payments'];

  app.post(
    '/api/v1/payments/intents',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Start a payment to a user (by phone) or a merchant: shows the payee and what to confirm',
        body: z
          .object({
            payee: payeeInputSchema,
            amount: amountInputSchema,
            channel: channelSchema,
            note: z.string().trim().max(NOTE_LENGTH_MAX).optional(),
            clientRequestId: z
              .string()
              .regex(CLIENT_ID_PATTERN, '1–64 letters, digits or _.:-')
              .describe('Idempotency key, per payer'),
            payNow: z
              .boolean()
              .optional()
              .describe(
                'One-tap pay: when the payment needs no confirmation (password-free), it is settled in this call and the answer is its receipt (status succeeded); otherwise the intent waits for …/confirm as usual',
              ),
          })
          .strict(),
        response: {
          200: intentSchema.describe('An earlier intent with this clientRequestId'),
          201: intentSchema,
          400: errorSchema,
          403: errorSchema,
          404: errorSchema,
          409: errorSchema,
          422: errorSchema,
          423: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const created = await payments.createIntent({
        payerId: sessionOf(request).user.id,
        payee: body.payee,
        amount: parseMoney(body.amount),
        channel: body.channel,
        note: body.note ? body.note : null,
        clientRequestId: body.clientRequestId,
        origin: located(request),
        payNow: body.payNow,
      });
      return reply.status(created.replayed ? 200 : 201).send(intentToWire(created.intent));
    },
  );

  app.get(
    '/api/v1/payments/intents/:id',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'One of your payments',
        params: intentIdParams,
        response: { 200: intentSchema, 404: errorSchema },
      },
    },
    async (request) =>
      intentToWire(
        await payments.getIntent({ payerId: sessionOf(request).user.id, intentId: request.params.id }),
      ),
  );

  app.post(
    '/api/v1/payments/intents/:id/passkey-options',
    {
      preHandler: user,
      schema: {
        tags,
        summary: "WebAuthn options bound to this payment's amount and payee",
        params: intentIdParams,
        response: {
          200: z.object({ ceremonyId: z.string(), options: z.unknown() }),
          404: errorSchema,
          409: errorSchema,
          410: errorSchema,
        },
      },
    },
    async (request) =>
      payments.passkeyOptions({ payerId: sessionOf(request).user.id, intentId: request.params.id }),
  );

  app.post(
    '/api/v1/payments/intents/:id/sms-code',
    {
      preHandler: user,
      schema: {
        tags,
        summary:
          'A challenged payment (confirmation payment_password_and_second_factor): send the SMS code bound to it',
        params: intentIdParams,
        response: {
          200: z.object({ resendAfterMs: z.number() }),
          404: errorSchema,
          409: errorSchema,
          410: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request) =>
      payments.sendPaymentCode({
        payerId: sessionOf(request).user.id,
        intentId: request.params.id,
        locale: originOf(request).locale,
      }),
  );

  app.post(
    '/api/v1/payments/intents/:id/confirm',
    {
      preHandler: user,
      schema: {
        tags,
        summary:
          'Confirm a payment (payment password, passkey, or nothing when password-free): moves the money',
        params: intentIdParams,
        body: z
          .object({
            paymentPassword: z.string().max(32).optional(),
            passkey: z
              .object({
                ceremonyId: z.string().min(1).max(64),
                response: z.record(z.string(), z.unknown()),
              })
              .strict()
              .optional(),
            warningAcknowledged: z
              .boolean()
              .optional()
              .describe(
                'Required (true) when the intent carries fraudWarning: the payer read the anti-fraud warning',
              ),
            smsCode: z
              .string()
              .regex(/^[0-9]{6}$/)
              .optional()
              .describe('A challenged payment: the SMS code from …/sms-code, with the payment password'),
          })
          .strict()
          .refine((b) => b.smsCode === undefined || b.passkey === undefined, {
            message: 'give an SMS code or a passkey, not both',
          }),
        response: {
          200: intentSchema,
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          404: errorSchema,
          409: errorSchema.describe('intent_cancelled: the payer cancelled this intent'),
          410: errorSchema,
          422: errorSchema,
          423: errorSchema,
        },
      },
    },
    async (request) =>
      intentToWire(
        await payments.confirmIntent({
          payerId: sessionOf(request).user.id,
          intentId: request.params.id,
          paymentPassword: request.body.paymentPassword,
          passkey: request.body.passkey,
          sessionId: sessionOf(request).sessionId,
          warningAcknowledged: request.body.warningAcknowledged,
          smsCode: request.body.smsCode,
          origin: located(request),
        }),
      ),
  );

  app.post(
    '/api/v1/payments/intents/:id/cancel',
    {
      preHandler: user,
      schema: {
        tags,
        summary:
          'Cancel a payment before confirming it: the intent ends cancelled and can no longer be confirmed; nothing was reserved, so nothing moves. Repeating answers the same',
        params: intentIdParams,
        response: {
          200: intentSchema.describe('The intent, status cancelled'),
          404: errorSchema.describe('intent_not_found: no such intent of yours'),
          409: errorSchema.describe(
            'intent_not_cancellable: already succeeded, in review, declined or expired; details.status says which',
          ),
        },
      },
    },
    async (request) =>
      intentToWire(
        await payments.cancelIntent({
          payerId: sessionOf(request).user.id,
          intentId: request.params.id,
          origin: located(request),
        }),
      ),
  );

  app.get(
    '/api/v1/me/limits',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Your payment limits per channel, the platform maxima and what is left today',
        response: {
          200: z.object({
            day: z.string().describe('Payment day, Beijing time'),
            channels: z.array(channelLimitsSchema),
          }),
        },
      },
    },
    async (request) => {
      const view = await payments.getLimits(sessionOf(request).user.id);
      return { day: view.day, channels: view.channels.map(channelLimitsToWire) };
    },
  );

  app.put(
    '/api/v1/me/limits/:channel',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Set a channel’s limits: lowering any time, raising after a fresh step-up',
        params: z.object({ channel: channelSchema }),
        body: z.object({ perPayment: amountInputSchema, perDay: amountInputSchema }).strict(),
        response: { 200: channelLimitsSchema, 400: errorSchema, 403: errorSchema, 422: errorSchema },
      },
    },
    async (request) => {
      const view = await payments.setLimits({
        userId: sessionOf(request).user.id,
        channel: request.params.channel,
        perPayment: parseMoney(request.body.perPayment),
        perDay: parseMoney(request.body.perDay),
        // Issue 5: a raise is a security change the risk engine scores after the step-up.
        requireStepUp: async () => {
          await stepUp(request);
          await identity.security.guardChange(sessionOf(request), 'limits_raised', located(request));
        },
        origin: located(request),
      });
      return channelLimitsToWire(view);
    },
  );

  app.get(
    '/api/v1/me/password-free',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Password-free small payments: on or off, the caps, what is left today',
        response: { 200: passwordFreeSchema },
      },
    },
    async (request) => passwordFreeToWire(await payments.getPasswordFree(sessionOf(request).user.id)),
  );

  app.put(
    '/api/v1/me/password-free',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Turn password-free payments off (no verification), or on / raise caps (fresh step-up)',
        body: z
          .object({
            enabled: z.boolean(),
            perPaymentCap: amountInputSchema.optional(),
            dailyCap: amountInputSchema.optional(),
          })
          .strict(),
        response: { 200: passwordFreeSchema, 400: errorSchema, 403: errorSchema, 422: errorSchema },
      },
    },
    async (request) =>
      passwordFreeToWire(
        await payments.setPasswordFree({
          userId: sessionOf(request).user.id,
          enabled: request.body.enabled,
          perPaymentCap: request.body.perPaymentCap ? parseMoney(request.body.perPaymentCap) : undefined,
          dailyCap: request.body.dailyCap ? parseMoney(request.body.dailyCap) : undefined,
          // Issue 5: turning it on (or raising a cap) is scored by the risk engine after the step-up.
          requireStepUp: async () => {
            await stepUp(request);
            await identity.security.guardChange(sessionOf(request), 'password_free_on', located(request));
          },
          origin: located(request),
        }),
      ),
  );
};

function channelLimitsToWire(view: ChannelLimitsView): z.infer<typeof channelLimitsSchema> {
  return {
    channel: view.channel,
    available: view.available,
    perPayment: wireMoney(view.perPayment),
    perDay: wireMoney(view.perDay),
    platformMaxPerPayment: wireMoney(view.platformMaxPerPayment),
    platformMaxPerDay: wireMoney(view.platformMaxPerDay),
    spentToday: wireMoney(view.spentToday),
    allowanceLeftToday: wireMoney(view.allowanceLeftToday),
  };
}

function passwordFreeToWire(view: PasswordFreeView): z.infer<typeof passwordFreeSchema> {
  return {
    enabled: view.enabled,
    perPaymentCap: wireMoney(view.perPaymentCap),
    dailyCap: wireMoney(view.dailyCap),
    ceiling: wireMoney(view.ceiling),
    usedToday: wireMoney(view.usedToday),
    leftToday: wireMoney(view.leftToday),
  };
}
