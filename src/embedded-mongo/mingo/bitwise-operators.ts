import type { Any, AnyObject, Options } from 'mingo/types';
import { toNumber } from '../bson-values.js';
import { CommandError } from '../errors.js';
import { type BsonTypeAlias, binDataBytes, bsonTypeOf, isBinData } from './bson-types.js';
import { leafValues } from './leaf-values.js';

/** A parsed bitmask: the 64-bit mask numbers are tested with, and the bit positions BinData is tested at. */
type BitTest = { mask: bigint; positions: number[] };

const SIGN_BIT = 63;
const INT64_LIMIT = 2 ** 63;

function fromPositions(positions: unknown[], selector: string): BitTest {
  const parsed = positions.map((position) => {
    if (typeof position !== 'number' || !Number.isInteger(position)) {
      throw new CommandError('BadValue', `bit positions must be an integer but got: ${selector}: ${String(position)}`);
    }
    if (position > 0x7fffffff) throw new CommandError('BadValue', `bit positions cannot be represented as a 32-bit signed integer: ${position}`);
    if (position < 0) throw new CommandError('BadValue', `bit positions must be >= 0 but got: ${position}`);
    return position;
  });
  // Positions past 63 test the sign bit: MongoDB sign-extends numbers.
  const mask = parsed.reduce((bits, position) => bits | (1n << BigInt(Math.min(position, SIGN_BIT))), 0n);
  return { mask, positions: parsed };
}

function fromNumber(value: number): BitTest {
  if (Number.isNaN(value)) throw new CommandError('FailedToParse', `Expected an integer, but found NaN in: ${value}`);
  if (value >= INT64_LIMIT || value < -INT64_LIMIT) throw new CommandError('FailedToParse', `Cannot represent as a 64-bit integer: ${value}`);
  if (!Number.isInteger(value)) throw new CommandError('FailedToParse', `Expected an integer: ${value}`);
  if (value < 0) throw new CommandError('FailedToParse', `Expected a positive number in: ${value}`);
  const mask = BigInt(value);
  const positions = Array.from({ length: 64 }, (_, bit) => bit).filter((bit) => (mask >> BigInt(bit)) & 1n);
  return { mask, positions };
}

/** A BinData mask is little-endian: bit k is bit k % 8 of byte k / 8. Bytes past the 8th only reach the sign bit of numbers. */
function fromBytes(bytes: Uint8Array): BitTest {
  let mask = 0n;
  const positions: number[] = [];
  bytes.forEach((byte, index) => {
    if (byte === 0) return;
    mask |= index < 8 ? BigInt(byte) << BigInt(8 * index) : 1n << BigInt(SIGN_BIT);
    for (let bit = 0; bit < 8; bit += 1) if (byte & (1 << bit)) positions.push(8 * index + bit);
  });
  return { mask, positions };
}

function parseBitTest(selector: string, value: Any): BitTest {
  if (Array.isArray(value)) return fromPositions(value, selector);
  if (typeof value === 'number') return fromNumber(value);
  if (isBinData(value)) return fromBytes(binDataBytes(value));
  throw new CommandError('BadValue', `${selector} takes an Array, a number, or a BinData but received: ${String(value)}`);
}

const INTEGER_TYPES = new Set<BsonTypeAlias>(['int', 'long']);

/**
 * A number as the signed 64-bit integer MongoDB tests, or undefined when it has none: doubles (and
 * decimals) must be integral and within the int64 range, otherwise they never match.
 */
function asInt64(value: unknown): bigint | undefined {
  const type = bsonTypeOf(value);
  if (INTEGER_TYPES.has(type)) return BigInt.asIntN(64, BigInt(String(value)));
  if (type !== 'double' && type !== 'decimal') return undefined;
  const number = toNumber(value);
  if (number === undefined || !Number.isInteger(number) || number >= INT64_LIMIT || number < -INT64_LIMIT) return undefined;
  return BigInt(number);
}

type BitCheck = (set: (position: number) => boolean, positions: number[]) => boolean;

/** One of MongoDB's four bit tests, on an int64 (with its mask) or on BinData bytes (with its positions). */
function bitwiseOperator(check: BitCheck): (selector: string, value: Any, options: Options) => (document: AnyObject) => boolean {
  return (selector, value) => {
    const test = parseBitTest(selector, value);
    const maskPositions = Array.from({ length: 64 }, (_, bit) => bit).filter((bit) => (test.mask >> BigInt(bit)) & 1n);
    const matches = (leaf: unknown): boolean => {
      if (isBinData(leaf)) {
        const bytes = binDataBytes(leaf);
        // Positions past the data are clear.
        return check((position) => position < bytes.length * 8 && ((bytes[position >> 3] ?? 0) & (1 << (position & 7))) !== 0, test.positions);
      }
      const integer = asInt64(leaf);
      return integer !== undefined && check((position) => ((integer >> BigInt(position)) & 1n) === 1n, maskPositions);
    };
    return (document) => leafValues(document, selector, 'typed').some(matches);
  };
}

/**
 * MongoDB's `$bitsAllSet`, `$bitsAnySet`, `$bitsAllClear` and `$bitsAnyClear`. mingo tests with
 * JavaScript's 32-bit `&`, so position 40 was position 8 and Longs were truncated, and it treats
 * BinData (as a value or as the mask) as no number at all.
 */
export const bitwiseOperatorFixes = {
  $bitsAllSet: bitwiseOperator((set, positions) => positions.every(set)),
  $bitsAnySet: bitwiseOperator((set, positions) => positions.some(set)),
  $bitsAllClear: bitwiseOperator((set, positions) => positions.every((position) => !set(position))),
  $bitsAnyClear: bitwiseOperator((set, positions) => positions.some((position) => !set(position))),
};
