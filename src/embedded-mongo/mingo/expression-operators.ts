import { evalExpr } from 'mingo/core';
import * as expressionOperators from 'mingo/operators/expression';
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

/** Expression operators that differ from mingo's, by name. */
export const expressionOperatorFixes = { $dateToString };
