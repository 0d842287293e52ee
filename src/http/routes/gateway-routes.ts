/**
 * The merchant open API (issue 6, docs/gateway.md). Two plugins:
 * - `gatewayWireRoutes`: Alipay's wire — `POST /gateway.do` (form-encoded, @fastify/formbody
 *   registered only inside this plugin) answering signed JSON envelopes, and the signed bill
 *   download links;
 * - `gatewayRoutes`: Rampart's JSON APIs around it — the operator's onboarding and apps, the
 *   wallet's pay code and order payments, and the merchant console.
 * Thin: parameters in, gateway use case called, answer out.
 */
import fastifyFormbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  GATEWAY_ERRORS,
  type Gateway,
  KEY_ROTATION_OVERLAP_DEFAULT_MS,
  KEY_ROTATION_OVERLAP_MAX_MS,
  pemBody,
  reconcile,
  V3_ROUTE_PATHS,
} from '../../gateway/index.ts';
import type { Identity, Located } from '../../identity/index.ts';
import { COMMON_ERRORS, DomainError } from '../../shared/index.ts';
import { originOf, requireOperator, requireUser, sessionOf } from '../auth.ts';
import { intentSchema, intentToWire } from '../payment-wire.ts';
import { errorSchema, money, moneySchema } from '../wire.ts';

/** Alipay's own wire: no zod (every received parameter is signed, unknown ones included). */
export const gatewayWireRoutes: FastifyPluginAsync<{ gateway: Gateway }> = async (app, { gateway }) => {
  await app.register(fastifyFormbody);

  const answer = async (request: FastifyRequest, params: Record<string, unknown>) => {
    const result = await gateway.handleV2({ params, clientIp: request.ip });
    if (result.failure) request.log.error({ err: result.failure }, 'gateway call failed');
    return result.body;
  };

  const paramsOf = (request: FastifyRequest): Record<string, unknown> => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const body =
      request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
    // A parameter both in the URL and the body is ambiguous: refused as malformed.
    const params: Record<string, unknown> = { ...query };
    for (const [key, value] of Object.entries(body))
      params[key] = key in params ? [params[key], value] : value;
    return params;
  };

  /** page.pay / wap.pay (the SDK's pageExecute, GET link or POST form): to the wallet's cashier. */
  const cashier = async (request: FastifyRequest, reply: FastifyReply, params: Record<string, unknown>) => {
    const opened = await gateway.openCashier({ params, clientIp: request.ip });
    if (opened.ok) return reply.redirect(opened.location, 303);
    const text = `${opened.subCode}: ${opened.subMsg}`.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    return reply
      .status(400)
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><meta charset="utf-8"><title>Rampart</title><h1>Payment request refused</h1><p>${text}</p>`,
      );
  };

  app.post('/gateway.do', async (request, reply) => {
    const params = paramsOf(request);
    if (gateway.isPageMethod(params.method)) return cashier(request, reply, params);
    const text = await answer(request, params);
    return reply.header('trace_id', request.id).type('application/json;charset=utf-8').send(text);
  });

  app.get('/gateway.do', async (request, reply) => cashier(request, reply, paramsOf(request)));

  // v3 signs the raw body bytes: JSON stays text here (this plugin only) and the use case parses it.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );
  for (const path of V3_ROUTE_PATHS) {
    app.route({
      method: ['GET', 'POST'],
      url: path,
      handler: async (request, reply) => {
        const appAuthToken = request.headers['alipay-app-auth-token'];
        const result = await gateway.handleV3({
          method: request.method,
          target: request.url,
          body: typeof request.body === 'string' ? request.body : '',
          authorization: request.headers.authorization,
          appAuthToken: typeof appAuthToken === 'string' ? appAuthToken : undefined,
          clientIp: request.ip,
        });
        if (result.failure) request.log.error({ err: result.failure }, 'gateway v3 call failed');
        return reply
          .status(result.status)
          .headers({ ...result.headers, 'alipay-trace-id': request.id })
          .type('application/json;charset=utf-8')
          .send(result.body);
      },
    });
  }

  app.get('/gateway/bills/download', async (request, reply) => {
    const parsed = z
      .object({
        app_id: z.string().max(32),
        bill_type: z.enum(['trade', 'signcustomer']),
        bill_date: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/),
        expires: z.string().regex(/^\d{1,15}$/),
        sig: z.string().max(64),
      })
      .strict()
      .safeParse(request.query);
    if (!parsed.success) throw new DomainError(COMMON_ERRORS.VALIDATION_FAILED);
    const bill = await gateway.downloadBill(parsed.data);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${bill.filename}"`)
      .header('cache-control', 'no-store')
      .send(bill.csv);
  });
};

const merchantSchema = z.object({
  merchantId: z.string(),
  name: z.string(),
  status: z.enum(['pending', 'approved', 'suspended']),
  feeRateBp: z.number().int(),
  settlementAccountId: z.string(),
});

const keySchema = z.object({
  keyId: z.string(),
  publicKey: z.string().describe('PEM; the merchant sets its base64 body as alipayPublicKey'),
  signsFrom: z.string(),
  current: z.boolean(),
});

const appSchema = z.object({
  appId: z.string(),
  merchantId: z.string(),
  name: z.string(),
  status: z.enum(['active', 'disabled']),
  ipAllowList: z.array(z.string()),
  platformKeys: z.array(keySchema),
});

const MERCHANT_ID = z.string().regex(/^[A-Za-z0-9_-]{3,32}$/);
const APP_ID = z.string().regex(/^[0-9]{16}$/);
const PUBLIC_KEY = z.string().min(100).max(4096);
const IPS = z.array(z.string().max(45)).max(32);

export const gatewayRoutes: FastifyPluginAsyncZod<{
  gateway: Gateway;
  identity: Identity;
  operatorToken: string | undefined;
}> = async (app, { gateway, identity, operatorToken }) => {
  const operator = requireOperator(operatorToken);
  const user = requireUser(identity);
  const located = (request: FastifyRequest): Located => identity.locate(originOf(request));
  const tags = ['gateway'];

  const appView = async (appId: string): Promise<z.infer<typeof appSchema>> => {
    const row = await gateway.getApp(appId);
    const keys = await gateway.platformKeys(appId);
    return {
      appId: row.app_id,
      merchantId: row.merchant_id,
      name: row.name,
      status: row.status,
      ipAllowList: row.ip_allow_list,
      platformKeys: keys.map((k) => ({
        keyId: k.keyId,
        publicKey: k.publicKeyPem,
        signsFrom: k.signsFrom.toISOString(),
        current: k.current,
      })),
    };
  };

  // ---- operator ----
  app.post(
    '/api/v1/operator/merchants',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: 'Onboard a merchant (pending until approved). Operator token',
        security: [{ bearer: [] }],
        body: z
          .object({
            merchantId: MERCHANT_ID,
            name: z.string().min(1).max(100),
            contactEmail: z.string().email().max(254).optional(),
            feeRateBp: z
              .number()
              .int()
              .min(0)
              .max(1000)
              .optional()
              .describe('Fee in basis points; default 60 (0.6 %)'),
          })
          .strict(),
        response: { 201: merchantSchema, 400: errorSchema, 401: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const merchant = await gateway.onboardMerchant({
        merchantId: body.merchantId,
        name: body.name,
        contactEmail: body.contactEmail ?? null,
        feeRateBp: body.feeRateBp,
      });
      return reply.status(201).send(merchant);
    },
  );

  app.post(
    '/api/v1/operator/merchants/:merchantId/approve',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: 'Approve a merchant: it may have apps. Operator token',
        security: [{ bearer: [] }],
        params: z.object({ merchantId: MERCHANT_ID }),
        response: { 200: merchantSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (request) => gateway.approveMerchant(request.params.merchantId),
  );

  app.post(
    '/api/v1/operator/merchants/:merchantId/apps',
    {
      preHandler: operator,
      schema: {
        tags,
        summary:
          "Create an app with the merchant's RSA-2048 public key; answers the platform key and a console token (shown once)",
        security: [{ bearer: [] }],
        params: z.object({ merchantId: MERCHANT_ID }),
        body: z
          .object({
            name: z.string().min(1).max(100),
            merchantPublicKey: PUBLIC_KEY,
            ipAllowList: IPS.default([]),
          })
          .strict(),
        response: {
          201: appSchema.extend({ consoleToken: z.string(), alipayPublicKey: z.string() }),
          400: errorSchema,
          401: errorSchema,
          404: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const created = await gateway.createApp({
        merchantId: request.params.merchantId,
        name: request.body.name,
        merchantPublicKey: request.body.merchantPublicKey,
        ipAllowList: request.body.ipAllowList,
      });
      return reply.status(201).send({
        ...(await appView(created.appId)),
        consoleToken: created.consoleToken,
        alipayPublicKey: pemBody(created.platformPublicKeyPem),
      });
    },
  );

  app.get(
    '/api/v1/operator/apps/:appId',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: 'An app and its platform keys. Operator token',
        security: [{ bearer: [] }],
        params: z.object({ appId: APP_ID }),
        response: { 200: appSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (request) => appView(request.params.appId),
  );

  app.patch(
    '/api/v1/operator/apps/:appId',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: "Change an app's IP allow-list, merchant public key or status. Operator token",
        security: [{ bearer: [] }],
        params: z.object({ appId: APP_ID }),
        body: z
          .object({
            ipAllowList: IPS.optional(),
            merchantPublicKey: PUBLIC_KEY.optional(),
            status: z.enum(['active', 'disabled']).optional(),
          })
          .strict(),
        response: { 200: appSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      await gateway.updateApp({ appId: request.params.appId, ...request.body });
      return appView(request.params.appId);
    },
  );

  app.post(
    '/api/v1/operator/apps/:appId/rotate-key',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: 'Add a platform key that starts signing after the overlap (default 7 days). Operator token',
        security: [{ bearer: [] }],
        params: z.object({ appId: APP_ID }),
        body: z
          .object({ overlapMs: z.number().int().min(0).max(KEY_ROTATION_OVERLAP_MAX_MS).optional() })
          .strict(),
        response: { 200: appSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      await gateway.rotatePlatformKey({
        appId: request.params.appId,
        overlapMs: request.body.overlapMs ?? KEY_ROTATION_OVERLAP_DEFAULT_MS,
      });
      return appView(request.params.appId);
    },
  );

  // ---- wallet ----
  app.post(
    '/api/v1/me/pay-code',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'A fresh one-time payment barcode (60 s); earlier ones stop working',
        response: {
          200: z.object({ code: z.string(), expiresAt: z.string() }),
          401: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request) => {
      const issued = await gateway.issuePayCode(sessionOf(request).user.id);
      return { code: issued.code, expiresAt: issued.expiresAt.toISOString() };
    },
  );

  app.get(
    '/api/v1/me/pay-code/pending',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Barcode payments waiting for your confirmation',
        response: {
          200: z.object({
            payments: z.array(
              z.object({
                intentId: z.string(),
                tradeNo: z.string(),
                merchantName: z.string(),
                subject: z.string(),
                amount: moneySchema,
                expiresAt: z.string(),
              }),
            ),
          }),
          401: errorSchema,
        },
      },
    },
    async (request) => {
      const rows = await gateway.pendingBarcodePayments(sessionOf(request).user.id);
      return {
        payments: rows.map((r) => ({
          intentId: r.intent_id,
          tradeNo: r.trade_no,
          merchantName: r.name,
          subject: r.subject,
          amount: money(r.total_minor, 'CNY'),
          expiresAt: r.expires_at.toISOString(),
        })),
      };
    },
  );

  app.post(
    '/api/v1/orders/:tradeNo/pay',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Start paying a merchant order: a payment intent to confirm',
        params: z.object({ tradeNo: z.string().regex(/^[0-9]{28}$/) }),
        body: z.object({ clientRequestId: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/) }).strict(),
        response: {
          200: intentSchema,
          201: intentSchema,
          400: errorSchema,
          404: errorSchema,
          409: errorSchema,
          422: errorSchema,
          423: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const created = await gateway.payOrder({
        payerId: sessionOf(request).user.id,
        tradeNo: request.params.tradeNo,
        channel: 'balance',
        clientRequestId: request.body.clientRequestId,
        origin: located(request),
      });
      return reply.status(created.replayed ? 200 : 201).send(intentToWire(created.intent));
    },
  );

  app.get(
    '/api/v1/orders/:tradeNo',
    {
      preHandler: user,
      schema: {
        tags,
        summary:
          'A merchant order to pay (the cashier page): open ones to anyone signed in, others to their payer only',
        params: z.object({ tradeNo: z.string().regex(/^[0-9]{28}$/) }),
        response: {
          200: z.object({
            tradeNo: z.string(),
            merchantName: z.string(),
            subject: z.string(),
            amount: moneySchema,
            status: z.string(),
            expiresAt: z.string(),
          }),
          401: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (request) => {
      const order = await gateway.describeOrderFor({
        tradeNo: request.params.tradeNo,
        viewerId: sessionOf(request).user.id,
      });
      return {
        tradeNo: order.tradeNo,
        merchantName: order.merchantName,
        subject: order.subject,
        amount: money(order.amount.amountMinor, 'CNY'),
        status: order.status,
        expiresAt: order.expiresAt.toISOString(),
      };
    },
  );

  app.post(
    '/api/v1/orders/:tradeNo/return',
    {
      preHandler: user,
      schema: {
        tags,
        summary: "After paying on the cashier page: the merchant's return_url with signed parameters",
        params: z.object({ tradeNo: z.string().regex(/^[0-9]{28}$/) }),
        response: { 200: z.object({ url: z.string() }), 401: errorSchema, 404: errorSchema },
      },
    },
    async (request) => ({
      url: await gateway.cashierReturnUrl({
        tradeNo: request.params.tradeNo,
        userId: sessionOf(request).user.id,
      }),
    }),
  );

  app.post(
    '/api/v1/agreement-requests/:id/claim',
    {
      preHandler: user,
      schema: {
        tags,
        summary:
          "Open a merchant's agreement signing link (alipay.user.agreement.page.sign): it becomes the " +
          "caller's pending agreement, signed with the payment password at /api/v1/me/agreements/:id/confirm",
        params: z.object({ id: z.string().regex(/^gws_[A-Za-z0-9_-]{1,60}$/) }),
        response: { 200: z.object({ agreementId: z.string() }), 401: errorSchema, 404: errorSchema },
      },
    },
    async (request) =>
      gateway.claimAgreementSign({ signId: request.params.id, userId: sessionOf(request).user.id }),
  );

  app.post(
    '/api/v1/agreement-requests/:id/return',
    {
      preHandler: user,
      schema: {
        tags,
        summary:
          "After signing or declining a merchant's agreement link: the merchant's return_url with " +
          'signed parameters (alipay.user.agreement.page.sign.return), or null when it gave none',
        params: z.object({ id: z.string().regex(/^gws_[A-Za-z0-9_-]{1,60}$/) }),
        response: { 200: z.object({ url: z.string().nullable() }), 401: errorSchema, 404: errorSchema },
      },
    },
    async (request) => ({
      url: await gateway.agreementSignReturnUrl({
        signId: request.params.id,
        userId: sessionOf(request).user.id,
      }),
    }),
  );

  app.post(
    '/api/v1/orders/payments/:intentId/confirm',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Confirm an order payment (barcode or QR order); the order is paid in the same call',
        params: z.object({ intentId: z.string().max(64) }),
        body: z.object({ paymentPassword: z.string().max(64).optional() }).strict(),
        response: {
          200: intentSchema,
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          404: errorSchema,
          409: errorSchema.describe('intent_cancelled: the payer cancelled this payment'),
          410: errorSchema,
          422: errorSchema,
          423: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request) =>
      intentToWire(
        await gateway.confirmOrderPayment({
          payerId: sessionOf(request).user.id,
          intentId: request.params.intentId,
          paymentPassword: request.body.paymentPassword,
          origin: located(request),
        }),
      ),
  );

  // ---- merchant console: app id + console token (docs/gateway.md) ----
  const consoleAuth = async (request: FastifyRequest) => {
    const appIdHeader = request.headers['x-rampart-app-id'];
    const bearer = request.headers.authorization?.startsWith('Bearer ')
      ? request.headers.authorization.slice(7)
      : undefined;
    if (typeof appIdHeader !== 'string' || !bearer) throw new DomainError(COMMON_ERRORS.UNAUTHENTICATED);
    const row = await gateway.verifyConsoleToken({ appId: appIdHeader, token: bearer });
    request.consoleAppId = row.app_id;
  };
  const appIdOf = (request: FastifyRequest): string => {
    if (!request.consoleAppId) throw new DomainError(COMMON_ERRORS.UNAUTHENTICATED);
    return request.consoleAppId;
  };
  const consoleSecurity = [{ bearer: [] }];
  const consoleHeaders = z.object({ 'x-rampart-app-id': APP_ID }).passthrough();

  app.get(
    '/api/v1/merchant-console/app',
    {
      preHandler: consoleAuth,
      schema: {
        tags,
        summary: 'The signed-in app and its platform keys (console token)',
        security: consoleSecurity,
        headers: consoleHeaders,
        response: { 200: appSchema, 401: errorSchema },
      },
    },
    async (request) => appView(appIdOf(request)),
  );

  app.get(
    '/api/v1/merchant-console/orders',
    {
      preHandler: consoleAuth,
      schema: {
        tags,
        summary: "The app's latest 100 orders",
        security: consoleSecurity,
        headers: consoleHeaders,
        response: {
          200: z.object({
            orders: z.array(
              z.object({
                tradeNo: z.string(),
                outTradeNo: z.string(),
                subject: z.string(),
                totalAmount: z.string(),
                refundedAmount: z.string(),
                fee: z.string(),
                status: z.string(),
                createdAt: z.string(),
                paidAt: z.string().nullable(),
              }),
            ),
          }),
          401: errorSchema,
        },
      },
    },
    async (request) => ({ orders: await gateway.console.orders(appIdOf(request)) }),
  );

  app.get(
    '/api/v1/merchant-console/refunds',
    {
      preHandler: consoleAuth,
      schema: {
        tags,
        summary: "The app's latest 100 refunds",
        security: consoleSecurity,
        headers: consoleHeaders,
        response: {
          200: z.object({
            refunds: z.array(
              z.object({
                tradeNo: z.string(),
                outTradeNo: z.string(),
                outRequestNo: z.string(),
                amount: z.string(),
                reason: z.string().nullable(),
                createdAt: z.string(),
              }),
            ),
          }),
          401: errorSchema,
        },
      },
    },
    async (request) => ({ refunds: await gateway.console.refunds(appIdOf(request)) }),
  );

  app.get(
    '/api/v1/merchant-console/notifications',
    {
      preHandler: consoleAuth,
      schema: {
        tags,
        summary: "The app's latest 100 notifications with their delivery state",
        security: consoleSecurity,
        headers: consoleHeaders,
        response: {
          200: z.object({
            notifications: z.array(
              z.object({
                id: z.string(),
                notifyId: z.string(),
                tradeNo: z.string(),
                tradeStatus: z.string(),
                url: z.string(),
                status: z.enum(['pending', 'delivered', 'failed']),
                attempts: z.number(),
                nextAttemptAt: z.string().nullable(),
                lastError: z.string().nullable(),
                createdAt: z.string(),
                deliveredAt: z.string().nullable(),
              }),
            ),
          }),
          401: errorSchema,
        },
      },
    },
    async (request) => ({ notifications: await gateway.console.notifications(appIdOf(request)) }),
  );

  app.post(
    '/api/v1/merchant-console/notifications/:id/resend',
    {
      preHandler: consoleAuth,
      schema: {
        tags,
        summary: 'Send a notification again now (same notify_id)',
        security: consoleSecurity,
        headers: consoleHeaders,
        params: z.object({ id: z.string().max(64) }),
        response: { 200: z.object({ delivered: z.boolean() }), 401: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const appId = appIdOf(request);
      if (!(await gateway.resendNotification({ appId, notificationId: request.params.id }))) {
        throw new DomainError(GATEWAY_ERRORS.NOTIFICATION_NOT_FOUND);
      }
      const result = await gateway.deliverNotification(request.params.id);
      return { delivered: result.delivered > 0 };
    },
  );

  app.get(
    '/api/v1/merchant-console/bills',
    {
      preHandler: consoleAuth,
      schema: {
        tags,
        summary: 'A bill as CSV (trade or signcustomer; a day yyyy-MM-dd or a month yyyy-MM)',
        security: consoleSecurity,
        headers: consoleHeaders,
        querystring: z
          .object({
            billType: z.enum(['trade', 'signcustomer']),
            billDate: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/),
          })
          .strict(),
        response: { 200: z.string(), 401: errorSchema, 410: errorSchema },
      },
    },
    async (request, reply) => {
      const csv = await gateway.buildBill({
        appId: appIdOf(request),
        billType: request.query.billType,
        billDate: request.query.billDate,
      });
      return reply.type('text/csv; charset=utf-8').header('cache-control', 'no-store').send(csv);
    },
  );

  app.post(
    '/api/v1/merchant-console/reconcile',
    {
      preHandler: consoleAuth,
      schema: {
        tags,
        summary:
          "Compare the merchant's order list (CSV: out_trade_no,amount,status) with the trade bill of a day or month",
        security: consoleSecurity,
        headers: consoleHeaders,
        body: z
          .object({
            ordersCsv: z.string().max(5_000_000),
            billDate: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/),
          })
          .strict(),
        response: {
          200: z.object({
            matched: z.number(),
            mismatches: z.array(
              z.object({
                outTradeNo: z.string(),
                kind: z.string(),
                orders: z.string().nullable(),
                bill: z.string().nullable(),
              }),
            ),
          }),
          400: errorSchema,
          401: errorSchema,
        },
      },
    },
    async (request) => {
      const billCsv = await gateway.buildBill({
        appId: appIdOf(request),
        billType: 'trade',
        billDate: request.body.billDate,
      });
      try {
        const report = reconcile({ ordersCsv: request.body.ordersCsv, billCsv });
        return { matched: report.matched, mismatches: [...report.mismatches] };
      } catch {
        throw new DomainError(COMMON_ERRORS.VALIDATION_FAILED, {
          ordersCsv: 'needs out_trade_no, amount and status columns',
        });
      }
    },
  );
};

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the merchant console's preHandler: the app signed in with its console token. */
    consoleAppId?: string;
  }
}
