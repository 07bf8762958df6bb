import type { Price, PricingParameters, Quote } from '../../ledger/index.js';
import { authorize, canSpendFrom } from '../accounts/access.js';
import { namedOrDrawingAccountId } from '../accounts/account-argument.js';
import { builder } from '../builder.js';
import { viewerOf } from '../context.js';
import { accountGlobalId, catalogFeatureOf, featureOf, pricingParametersOf } from '../inputs/index.js';
import { AccountNotFoundError, InvalidInputError, InvalidParameterError, MeterAmountRef, UnknownFeatureError, meterAmountList, resultErrorOf } from '../results/index.js';

/** What a price preview and a quote both name. */
const pricedFields = {
  feature: 'The catalog feature, e.g. `image.generate`.',
  parameters: "The feature's parameters, e.g. `{ \"resolution\": \"HD\", \"count\": 2 }`; the catalog's defaults otherwise.",
} as const;

const PriceInput = builder.inputType('PriceInput', {
  fields: (t) => ({
    feature: t.string({ required: true, description: pricedFields.feature }),
    parameters: t.field({ type: 'JSON', description: pricedFields.parameters }),
  }),
});

type PricePreview = { readonly feature: string; readonly parameters: PricingParameters; readonly price: Price };

const PriceRef = builder.objectRef<PricePreview>('Price').implement({
  description: "A feature's catalog price right now, stored nowhere and locked for nobody: `createQuote` locks one for `generate` and `reserveCredits`.",
  fields: (t) => ({
    feature: t.exposeString('feature'),
    parameters: t.field({ type: 'JSON', description: 'The parameters priced.', resolve: ({ parameters }) => parameters }),
    costs: t.field({ type: [MeterAmountRef], description: 'The price, per meter.', resolve: ({ price }) => meterAmountList(price.costs) }),
  }),
});

builder.queryField('price', (t) =>
  t.field({
    type: PriceRef,
    nullable: true,
    description:
      'The price of one use of a feature, to show before anything is charged. A read: it stores nothing and locks nothing (`Mutation.createQuote` locks a price for `generate`). Public: no token needed.',
    args: { input: t.arg({ type: PriceInput, required: true }) },
    errors: {
      types: [InvalidInputError, UnknownFeatureError, InvalidParameterError],
      directResult: true,
      union: { name: 'PriceResult' },
    },
    // Public, as the catalog it reads: a pricing page shows prices before anyone signs in.
    resolve: (_root, { input }, context) => {
      const feature = featureOf(input.feature);
      const parameters = pricingParametersOf(feature, input.parameters) ?? {};
      const priced = context.services.metering.price(feature, parameters);
      if (!priced.ok) throw resultErrorOf(priced.error);
      return { feature, parameters, price: priced.price };
    },
  }),
);

const CreateQuoteInput = builder.inputType('CreateQuoteInput', {
  fields: (t) => ({
    feature: t.string({ required: true, description: pricedFields.feature }),
    parameters: t.field({ type: 'JSON', description: pricedFields.parameters }),
    accountId: t.id({ description: "The global id of the account to quote for: a service must name one; a member's is its drawing account." }),
  }),
});

const QuoteRef = builder.objectRef<Quote>('Quote').implement({
  description: 'A price locked before anything is charged (`createQuote`). `generate` or `reserveCredits` with its id charge exactly `costs` until `expiresAt`.',
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

// A write, so never over GET (graphql-yoga runs mutations for POST only): a link preview or a
// prefetching client cannot store quotes.
builder.mutationField('createQuote', (t) =>
  t.field({
    type: QuoteRef,
    nullable: true,
    description:
      'Locks the price of one use of a feature for a while (stored until a day after it expires): pass its id to `generate` or `reserveCredits`. `Query.price` shows a price without storing anything.',
    args: { input: t.arg({ type: CreateQuoteInput, required: true }) },
    errors: {
      types: [InvalidInputError, UnknownFeatureError, InvalidParameterError, AccountNotFoundError],
      directResult: true,
      union: { name: 'CreateQuoteResult' },
    },
    resolve: async (_root, { input }, context) => {
      const { metering, catalogs } = context.services;
      const accountId = namedOrDrawingAccountId(viewerOf(context), input.accountId);
      authorize(context, (caller) => canSpendFrom(caller, accountId));
      const feature = catalogFeatureOf(catalogs.pricing, input.feature);
      const created = await metering.createQuote({ accountId, feature, parameters: pricingParametersOf(feature, input.parameters) });
      if (!created.ok) throw resultErrorOf(created.error);
      return created.quote;
    },
  }),
);
