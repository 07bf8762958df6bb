import type { Quote } from '../../ledger/index.js';
import { drawingAccountId, canSpendFrom } from '../accounts/access.js';
import { builder } from '../builder.js';
import { viewerOf } from '../context.js';
import { forbidden } from '../errors.js';
import { accountGlobalId, accountIdOf, featureOf, pricingParametersOf } from './inputs.js';
import { refusalOf } from './refusals.js';
import { AccountNotFoundError, InvalidInputError, InvalidParameterError, MeterAmountRef, UnknownFeatureError, meterAmountList } from './results.js';

const QuoteInput = builder.inputType('QuoteInput', {
  fields: (t) => ({
    feature: t.string({ required: true, description: 'The catalog feature, e.g. `image.generate`.' }),
    parameters: t.field({ type: 'JSON', description: "The feature's parameters, e.g. `{ \"resolution\": \"HD\", \"count\": 2 }`; the catalog's defaults otherwise." }),
    accountId: t.id({ description: "The global id of the account to quote for: a service must name one; a member's is its drawing account." }),
  }),
});

const QuoteRef = builder.objectRef<Quote>('Quote').implement({
  description: 'A price shown before anything is charged. `generate` or `reserveCredits` with its id charge exactly `costs` until `expiresAt`.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'What `generate` and `reserveCredits` take as `quoteId`.' }),
    accountId: t.id({ description: 'The account the quote is for.', resolve: ({ accountId }) => accountGlobalId(accountId) }),
    feature: t.exposeString('feature'),
    parameters: t.field({ type: 'JSON', description: 'The parameters priced.', resolve: ({ parameters }) => parameters }),
    costs: t.field({ type: [MeterAmountRef], description: 'The price, per meter.', resolve: ({ price }) => meterAmountList(price.costs) }),
    createdAt: t.field({ type: 'DateTime', resolve: ({ createdAt }) => createdAt }),
    expiresAt: t.field({ type: 'DateTime', description: 'The quote can be charged strictly before this instant.', resolve: ({ expiresAt }) => expiresAt }),
  }),
});

builder.queryField('quote', (t) =>
  t.field({
    type: QuoteRef,
    description: 'The price of one use of a feature, locked for a while: show it, then pass its id to `generate`.',
    args: { input: t.arg({ type: QuoteInput, required: true }) },
    errors: {
      types: [InvalidInputError, UnknownFeatureError, InvalidParameterError, AccountNotFoundError],
      directResult: true,
      union: { name: 'QuoteResult' },
    },
    resolve: async (_root, { input }, context) => {
      const viewer = viewerOf(context);
      const { store, catalogs } = context.services;
      let accountId: string;
      if (input.accountId !== null && input.accountId !== undefined) {
        accountId = accountIdOf(input.accountId);
        if (!canSpendFrom(viewer, accountId)) throw forbidden();
        const [state] = await store.loadAccounts([accountId]);
        if (!state) throw new AccountNotFoundError();
      } else if (viewer.role === 'service') {
        throw new InvalidInputError('accountId', 'is required for a service, which draws from no account of its own');
      } else {
        accountId = drawingAccountId(viewer);
      }
      if (!Object.hasOwn(catalogs.pricing.features, featureOf(input.feature))) throw new UnknownFeatureError(input.feature);
      const quote = await store.createQuote({ accountId, feature: input.feature, parameters: pricingParametersOf(input.feature, input.parameters) });
      if (!quote.ok) throw refusalOf(quote.error);
      return quote.value;
    },
  }),
);
