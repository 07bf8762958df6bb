import { Aggregator } from 'mingo/aggregator';
import { Context, evalExpr } from 'mingo/core';
import * as accumulatorOperators from 'mingo/operators/accumulator';
import * as expressionOperators from 'mingo/operators/expression';
import * as pipelineOperators from 'mingo/operators/pipeline';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import * as windowOperators from 'mingo/operators/window';
import type { Any, AnyObject, Options } from 'mingo/types';

/**
 * The offset ("+05:30", "-04:00") an IANA time zone has at an instant, or undefined when the name
 * is no time zone. MongoDB accepts any Olson name; mingo only "Area/Location" ones and offsets, so
 * "UTC" (the ledger's default) or "America/Argentina/Buenos_Aires" would fail without this.
 */
function offsetAt(timeZone: string, instant: Date): string | undefined {
  let name: string | undefined;
  try {
    name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(instant)
      .find((part) => part.type === 'timeZoneName')?.value;
  } catch {
    return undefined;
  }
  // "GMT" alone at offset zero, "GMT+05:30" otherwise.
  return name === 'GMT' ? '+00:00' : name?.slice('GMT'.length);
}

/** mingo's `$dateToString`, given the time zone's offset at the date instead of its name. */
function $dateToString(obj: AnyObject, expr: Any, options: Options): string | null {
  const args = expr as Record<string, unknown>;
  const timeZone = evalExpr(obj, args.timezone, options);
  const date = evalExpr(obj, args.date, options);
  if (typeof timeZone !== 'string' || !(date instanceof Date)) return expressionOperators.$dateToString(obj, expr, options);
  return expressionOperators.$dateToString(obj, { ...args, timezone: offsetAt(timeZone, date) ?? timeZone }, options);
}

/** Every mingo operator, with the one above in place of mingo's own. */
const CONTEXT = Context.init({
  accumulator: accumulatorOperators,
  expression: { ...expressionOperators, $dateToString },
  pipeline: pipelineOperators,
  projection: projectionOperators,
  query: queryOperators,
  window: windowOperators,
});

/** mingo's Aggregator, which `mingo`'s own entry point would build with its stock operators. */
export function createAggregator(pipeline: AnyObject[], options: Partial<Options>): Aggregator {
  return new Aggregator(pipeline, { ...options, context: CONTEXT });
}
