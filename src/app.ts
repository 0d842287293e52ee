/**
 * buildApp(deps) → a Fastify instance, not listening (tests use inject() or listen on port 0).
 * HTTP is a thin layer: schemas in, use cases called, views out. It never touches the store.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Agreements } from './agreements/index.ts';
import type { Cases } from './cases/index.ts';
import type { Config } from './config.ts';
import type { Credit } from './credit/index.ts';
import type { Funding } from './funding/index.ts';
import type { Gateway } from './gateway/index.ts';
import { installCsrfGuard } from './http/csrf-guard.ts';
import { errorBody, installErrorHandling } from './http/errors.ts';
import { createMetrics } from './http/metrics.ts';
import { installNulGuard } from './http/nul-guard.ts';
import { collectRoutes } from './http/route-registry.ts';
import { accountRoutes } from './http/routes/account-routes.ts';
import { agreementRoutes } from './http/routes/agreement-routes.ts';
import { authRoutes } from './http/routes/auth-routes.ts';
import { billPdfRoutes } from './http/routes/bill-pdf-routes.ts';
import { caseRoutes } from './http/routes/case-routes.ts';
import { creditRoutes } from './http/routes/credit-routes.ts';
import { devInboxRoutes } from './http/routes/dev-inbox-routes.ts';
import { factorRoutes } from './http/routes/factor-routes.ts';
import { fundingRoutes } from './http/routes/funding-routes.ts';
import { gatewayRoutes, gatewayWireRoutes } from './http/routes/gateway-routes.ts';
import { ledgerRoutes } from './http/routes/ledger-routes.ts';
import { messagesRoutes } from './http/routes/messages-routes.ts';
import { opsRoutes } from './http/routes/ops-routes.ts';
import { paymentRoutes } from './http/routes/payment-routes.ts';
import { protectionRoutes } from './http/routes/protection-routes.ts';
import { qrRoutes } from './http/routes/qr-routes.ts';
import { recordsRoutes } from './http/routes/records-routes.ts';
import { recoveryRoutes } from './http/routes/recovery-routes.ts';
import { riskRoutes } from './http/routes/risk-routes.ts';
import { systemRoutes } from './http/routes/system-routes.ts';
import { walletRoutes } from './http/routes/wallet-routes.ts';
import { docsContentSecurityPolicy, installSecurityHeaders } from './http/security-headers.ts';
import type { Identity, SecondFactors } from './identity/index.ts';
import type { Ledger } from './ledger/index.ts';
import { type DevInbox, localeFromAcceptLanguage, type Messages } from './notify/index.ts';
import type { Payments } from './payments/index.ts';
import type { CheckUp, SecurityLock } from './protection/index.ts';
import type { Qr } from './qr/index.ts';
import type { Records } from './records/index.ts';
import type { Recovery } from './recovery/index.ts';
import type { RiskEngine } from './risk/index.ts';
import { type Clock, COMMON_ERRORS } from './shared/index.ts';
import type { Wallet } from './wallet/index.ts';

export interface AppDeps {
  readonly config: Config;
  readonly clock: Clock;
  readonly ping: () => Promise<void>;
  /** A random name for this process, shown by /healthz: tells the processes behind one port
   *  (`serve --workers N`) apart. Reveals nothing (not the pid nor the host). */
  readonly instanceId?: string | undefined;
  readonly ledger: Ledger;
  readonly identity: Identity;
  readonly factors: SecondFactors;
  readonly wallet: Wallet;
  readonly payments: Payments;
  readonly funding: Funding;
  readonly qr: Qr;
  readonly records: Records;
  readonly credit: Credit;
  readonly lock: SecurityLock;
  readonly checkUp: CheckUp;
  readonly agreements: Agreements;
  /** Issue 7: freeze, recovery, identity data, loss claims, operators. */
  readonly recovery: Recovery;
  /** Issue 9: notification centre, preferences, language, announcements, quiz. */
  readonly messages: Messages;
  readonly gateway: Gateway;
  /** Issue 5: the risk engine (rules, lists, backtest) and the case queue. */
  readonly riskEngine: RiskEngine;
  readonly cases: Cases;
  /** Present in dev mode only: the developer inbox of SMS and e-mails "sent". */
  readonly devInbox: DevInbox | undefined;
  readonly demo: boolean;
  /** Where log lines go instead of stdout (the log-scanning security test). */
  readonly logStream?: { write(line: string): void } | undefined;
}

/** Paths whose values never reach a log line (ASVS 5.0 V16.2.5: no credentials in logs). */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.paymentPassword',
  '*.cardNumber',
  '*.token',
  '*.csrfToken',
  '*.idNumber',
  '*.realName',
  '*.newPassword',
  '*.newPaymentPassword',
  '*.attemptToken',
  '*.reportToken',
  '*.statusToken',
];

const REQUEST_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
            ...(deps.logStream ? { stream: deps.logStream } : {}),
          },
    bodyLimit: config.bodyLimitBytes,
    // A caller's x-request-id is kept when it is short and plain (it ends up in logs), else replaced.
    requestIdHeader: false,
    genReqId: (req) => {
      const sent = req.headers['x-request-id'];
      return typeof sent === 'string' && REQUEST_ID_PATTERN.test(sent) ? sent : randomUUID();
    },
    trustProxy: false,
  });
  collectRoutes(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('session', null);
  app.decorateRequest('operator', null);
  // JSON only: a text/plain body would otherwise reach the schemas as a string.
  app.removeContentTypeParser('text/plain');
  installErrorHandling(app, {
    localeOf: async (request) =>
      (request.session ? await deps.messages.userLocale(request.session.user.id) : null) ??
      localeFromAcceptLanguage(request.headers['accept-language']),
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(fastifyCookie);
  const cookieSecure = config.cookieSecure ?? !deps.demo;
  await installSecurityHeaders(app, { https: cookieSecure });
  installCsrfGuard(app, deps.identity);
  installNulGuard(app);
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Rampart API',
        version: '0.1.0',
        description:
          'Wallet, ledger and account security. Amounts are decimal strings of minor units with a currency.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'rampart_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: docsContentSecurityPolicy,
  });

  const metrics = createMetrics(app);
  await app.register(systemRoutes, {
    ping: deps.ping,
    metrics,
    demo: deps.demo,
    instanceId: deps.instanceId,
  });
  await app.register(authRoutes, {
    identity: deps.identity,
    wallet: deps.wallet,
    cookieSecure,
    sessionLifetimeMs: config.sessionLifetimeMs,
  });
  await app.register(accountRoutes, { identity: deps.identity, clock: deps.clock });
  await app.register(factorRoutes, {
    identity: deps.identity,
    factors: deps.factors,
    nowMs: () => deps.clock.nowMs(),
  });
  if (deps.devInbox) await app.register(devInboxRoutes, { inbox: deps.devInbox });
  await app.register(walletRoutes, { identity: deps.identity, wallet: deps.wallet });
  await app.register(paymentRoutes, { identity: deps.identity, payments: deps.payments, clock: deps.clock });
  await app.register(fundingRoutes, { identity: deps.identity, funding: deps.funding });
  await app.register(ledgerRoutes, { ledger: deps.ledger, operatorToken: config.operatorToken });
  await app.register(recordsRoutes, { identity: deps.identity, records: deps.records });
  await app.register(qrRoutes, { identity: deps.identity, qr: deps.qr, operatorToken: config.operatorToken });
  await app.register(creditRoutes, {
    identity: deps.identity,
    credit: deps.credit,
    operatorToken: config.operatorToken,
  });
  await app.register(protectionRoutes, {
    identity: deps.identity,
    lock: deps.lock,
    checkUp: deps.checkUp,
    clock: deps.clock,
  });
  await app.register(billPdfRoutes, { identity: deps.identity, records: deps.records, clock: deps.clock });
  await app.register(agreementRoutes, {
    identity: deps.identity,
    agreements: deps.agreements,
    operatorToken: config.operatorToken,
  });
  await app.register(recoveryRoutes, {
    identity: deps.identity,
    recovery: deps.recovery,
    nowMs: () => deps.clock.nowMs(),
  });
  await app.register(opsRoutes, {
    recovery: deps.recovery,
    operatorToken: config.operatorToken,
    cookieSecure,
  });
  await app.register(messagesRoutes, {
    identity: deps.identity,
    messages: deps.messages,
    clock: deps.clock,
    operatorToken: config.operatorToken,
  });
  await app.register(gatewayWireRoutes, { gateway: deps.gateway });
  await app.register(gatewayRoutes, {
    gateway: deps.gateway,
    identity: deps.identity,
    operatorToken: config.operatorToken,
  });
  // Issue 7's operator accounts and roles guard the risk console too; actions are audited.
  await app.register(riskRoutes, {
    engine: deps.riskEngine,
    operatorToken: config.operatorToken,
    operators: deps.recovery.operators,
    audit: deps.recovery,
  });
  await app.register(caseRoutes, {
    cases: deps.cases,
    identity: deps.identity,
    operatorToken: config.operatorToken,
    operators: deps.recovery.operators,
    audit: deps.recovery,
  });

  const webRoot = resolve(config.webDistDir);
  const hasWeb = existsSync(resolve(webRoot, 'index.html'));
  if (hasWeb) await app.register(fastifyStatic, { root: webRoot, wildcard: false, index: ['index.html'] });
  app.setNotFoundHandler((request, reply) => {
    const isApi = request.url.startsWith('/api/') || request.url.startsWith('/docs');
    if (!isApi && hasWeb && request.method === 'GET') return reply.type('text/html').sendFile('index.html');
    return reply.status(404).send(errorBody(COMMON_ERRORS.NOT_FOUND));
  });
  return app;
}
