import type { LedgerError, Result } from './errors.js';
import { fail, ok } from './errors.js';
import { canonicalJson } from './canonical-json.js';
import type { Price, PricingCatalog, PricingParameters } from './pricing.js';
import { parametersWithDefaults, priceFeature } from './pricing.js';

/**
 * A price shown to a person before anything is charged. A hold or debit that names the quote is
 * charged exactly `price` (a price lock, even if the catalog changed since) until `expiresAt`.
 * Quotes are plain values: the store persists them and hands them back with the operation.
 */
export type Quote = {
  id: string;
  accountId: string;
  feature: string;
  parameters: PricingParameters;
  price: Price;
  createdAt: Date;
  expiresAt: Date;
};

export type QuoteRequest = { accountId: string; feature: string; parameters?: PricingParameters };

export type QuoteContext = {
  now: Date;
  pricing: PricingCatalog;
  quoteTtlMs: number;
  newId: () => string;
};

export function createQuote(request: QuoteRequest, context: QuoteContext): Result<Quote> {
  const parameters = request.parameters ?? {};
  const price = priceFeature(context.pricing, request.feature, parameters);
  if (!price.ok) return price;
  return ok({
    id: context.newId(),
    accountId: request.accountId,
    feature: request.feature,
    parameters,
    price: price.value,
    createdAt: context.now,
    expiresAt: new Date(context.now.getTime() + context.quoteTtlMs),
  });
}

/** What a charge asks for: either a quoted price, or the catalog price of these parameters. */
export type PriceRequest = { accountId: string; feature: string; parameters?: PricingParameters; quote?: Quote };

/**
 * The price to charge now. A quote must belong to this account and feature, must not have
 * expired (it is valid strictly before `expiresAt`), and parameters given next to it must be
 * the quoted ones.
 */
export function resolvePrice(request: PriceRequest, pricing: PricingCatalog, now: Date): Result<Price> {
  const { quote } = request;
  if (!quote) return priceFeature(pricing, request.feature, request.parameters);
  const mismatch = (field: 'accountId' | 'feature' | 'parameters'): { ok: false; error: LedgerError } =>
    fail({ code: 'QUOTE_MISMATCH', quoteId: quote.id, field });
  if (quote.accountId !== request.accountId) return mismatch('accountId');
  if (quote.feature !== request.feature) return mismatch('feature');
  const spelledOut = (parameters: PricingParameters) => canonicalJson(parametersWithDefaults(pricing, quote.feature, parameters));
  if (request.parameters && spelledOut(request.parameters) !== spelledOut(quote.parameters)) return mismatch('parameters');
  if (now.getTime() >= quote.expiresAt.getTime()) {
    return fail({ code: 'QUOTE_EXPIRED', quoteId: quote.id, expiredAt: quote.expiresAt });
  }
  return ok(quote.price);
}
