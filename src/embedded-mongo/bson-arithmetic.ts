import { Decimal128, Double, Int32, Long } from 'bson';
import { encodesAsInt32, toNumber } from './bson-values.js';

/** The four BSON numeric types, in the order MongoDB widens a result to. */
const WIDENING = ['int', 'long', 'double', 'decimal'] as const;
type NumericType = (typeof WIDENING)[number];

export type ArithmeticOperation = 'add' | 'multiply';

function numericType(value: unknown): NumericType {
  if (value instanceof Long) return 'long';
  if (value instanceof Decimal128) return 'decimal';
  if (value instanceof Double) return 'double';
  if (value instanceof Int32) return 'int';
  return encodesAsInt32(value as number) ? 'int' : 'double';
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function toBigInt(value: unknown): bigint {
  return value instanceof Long ? value.toBigInt() : BigInt(toNumber(value) as number);
}

function integral(operation: ArithmeticOperation, a: bigint, b: bigint): bigint {
  return operation === 'add' ? a + b : a * b;
}

/** A decimal as an exact coefficient and power of ten; undefined for NaN and the infinities. */
type ExactDecimal = { coefficient: bigint; exponent: number };

/**
 * A number's text as MongoDB turns it into a decimal: ints and longs exactly, a (non-zero, finite)
 * double rounded to 15 significant digits, trailing zeros kept (Decimal128(double, kRoundTo15Digits):
 * 0.1 becomes 0.100000000000000), as SafeNum does before decimal arithmetic.
 */
function decimalText(value: unknown): string {
  if (value instanceof Decimal128 || value instanceof Long) return value.toString();
  const number = toNumber(value) as number;
  return numericType(value) === 'double' && number !== 0 && Number.isFinite(number) ? number.toPrecision(15) : String(number);
}

function exactDecimal(value: unknown): ExactDecimal | undefined {
  const text = decimalText(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  return { coefficient: BigInt(`${sign}${whole}${fraction}`), exponent: Number(exponent) - fraction.length };
}

function decimalResult(operation: ArithmeticOperation, a: unknown, b: unknown): Decimal128 {
  const x = exactDecimal(a);
  const y = exactDecimal(b);
  if (!x || !y) {
    const fallback = operation === 'add' ? (toNumber(a) as number) + (toNumber(b) as number) : (toNumber(a) as number) * (toNumber(b) as number);
    return Decimal128.fromString(String(fallback));
  }
  if (operation === 'multiply') {
    return Decimal128.fromStringWithRounding(`${x.coefficient * y.coefficient}E${x.exponent + y.exponent}`);
  }
  const exponent = Math.min(x.exponent, y.exponent);
  const scaled = (d: ExactDecimal): bigint => d.coefficient * 10n ** BigInt(d.exponent - exponent);
  return Decimal128.fromStringWithRounding(`${scaled(x) + scaled(y)}E${exponent}`);
}

/**
 * `$inc`/`$mul` arithmetic with MongoDB's types: the result has the wider operand type (int32 <
 * long < double < decimal), an int32 result that overflows becomes a long, and a long result that
 * overflows is no value at all (undefined), which MongoDB refuses. Doubles holding an integral
 * value are wrapped so they stay doubles (see bson-values.ts).
 */
export function applyArithmetic(operation: ArithmeticOperation, current: unknown, operand: unknown): unknown {
  const type = WIDENING[Math.max(WIDENING.indexOf(numericType(current)), WIDENING.indexOf(numericType(operand)))];
  switch (type) {
    case 'int':
    case 'long': {
      const result = integral(operation, toBigInt(current), toBigInt(operand));
      if (type === 'int' && result >= -(2n ** 31n) && result < 2n ** 31n) return Number(result);
      return result < INT64_MIN || result > INT64_MAX ? undefined : Long.fromBigInt(result);
    }
    case 'double': {
      const x = toNumber(current) as number;
      const y = toNumber(operand) as number;
      const result = operation === 'add' ? x + y : x * y;
      return encodesAsInt32(result) ? new Double(result) : result;
    }
    default:
      return decimalResult(operation, current, operand);
  }
}

/** The zero of a value's numeric type, which `$mul` stores in a missing field. */
export function zeroLike(operand: unknown): unknown {
  return applyArithmetic('multiply', operand, 0);
}
