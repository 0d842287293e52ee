import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Identity } from '../../identity/index.ts';
import { ACTIVITY_PAGE_MAX } from '../../ledger/index.ts';
import type { Wallet } from '../../wallet/index.ts';
import { requireUser, sessionOf } from '../auth.ts';
import { errorSchema, money, moneySchema, pageQuerySchema } from '../wire.ts';

export const walletRoutes: FastifyPluginAsyncZod<{ identity: Identity; wallet: Wallet }> = async (
  app,
  { identity, wallet },
) => {
  app.get(
    '/api/v1/wallet',
    {
      preHandler: requireUser(identity),
      schema: {
        tags: ['wallet'],
        summary: "The signed-in user's wallet balances",
        response: {
          200: z.object({
            accounts: z.array(
              z.object({
                accountId: z.string(),
                kind: z.string(),
                currency: z.string(),
                posted: moneySchema,
                available: moneySchema,
                pendingIn: moneySchema,
                pendingOut: moneySchema,
              }),
            ),
          }),
          401: errorSchema,
        },
      },
    },
    async (request) => {
      const accounts = await wallet.getWalletAccounts(sessionOf(request).user.id);
      return {
        accounts: accounts.map(({ account, balance }) => ({
          accountId: account.id,
          kind: account.kind,
          currency: account.currency,
          posted: money(balance.postedMinor, account.currency),
          available: money(balance.availableMinor, account.currency),
          pendingIn: money(balance.pendingCreditsMinor, account.currency),
          pendingOut: money(balance.pendingDebitsMinor, account.currency),
        })),
      };
    },
  );

  app.get(
    '/api/v1/wallet/activity',
    {
      preHandler: requireUser(identity),
      schema: {
        tags: ['wallet'],
        summary: 'Recent ledger activity on the wallet, newest first',
        querystring: pageQuerySchema(ACTIVITY_PAGE_MAX),
        response: {
          200: z.object({
            entries: z.array(
              z.object({
                id: z.string(),
                transferId: z.string(),
                code: z.string(),
                direction: z.enum(['in', 'out']),
                amount: moneySchema,
                status: z.enum(['posted', 'pending', 'released']),
                createdAt: z.string(),
              }),
            ),
            nextBefore: z.string().nullable(),
          }),
          401: errorSchema,
        },
      },
    },
    async (request) => {
      const page = await wallet.listActivity({
        userId: sessionOf(request).user.id,
        limit: request.query.limit,
        beforeEntryId: request.query.before ? BigInt(request.query.before) : undefined,
      });
      return {
        entries: page.items.map((item) => ({
          id: item.entryId.toString(),
          transferId: item.transferId,
          code: item.code,
          direction: item.direction,
          amount: money(item.amountMinor, item.currency),
          status: item.status,
          createdAt: item.createdAt.toISOString(),
        })),
        nextBefore: page.nextBefore === null ? null : page.nextBefore.toString(),
      };
    },
  );
};
