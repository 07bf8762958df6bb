import { Binary, BSONRegExp, BSONSymbol, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, UUID, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { type Document, decodeDocument, toView } from '../bson-values.js';
import { CommandError } from '../errors.js';
import { Query, queryOptions } from './context.js';

/** A document as the embedded database stores it (typed) and hands it to mingo (its view). */
const stored = (document: Document) => toView(decodeDocument(serialize(document)));
const matchesType = (type: unknown, document: Document, path = 'v') => new Query({ [path]: { $type: type } }, queryOptions()).test(document);

describe('$type', () => {
  const values: [alias: string, value: unknown][] = [
    ['double', 1.5],
    ['double', new Double(2)],
    ['string', 'text'],
    ['object', { x: 1 }],
    ['array', [1]],
    ['binData', new Binary(Buffer.from([1]), 0)],
    ['binData', new UUID()],
    ['objectId', new ObjectId()],
    ['bool', false],
    ['date', new Date(0)],
    ['null', null],
    ['regex', new BSONRegExp('a', 'i')],
    ['javascript', new Code('x')],
    ['javascriptWithScope', new Code('x', { a: 1 })],
    ['symbol', new BSONSymbol('s')],
    ['int', new Int32(7)],
    ['timestamp', new Timestamp({ t: 1, i: 2 })],
    ['long', Long.fromNumber(8)],
    ['decimal', Decimal128.fromString('9')],
    ['minKey', new MinKey()],
    ['maxKey', new MaxKey()],
  ];

  it('matches the stored BSON type of every value, and no other type', () => {
    for (const [alias, value] of values) {
      const document = stored({ v: value });
      expect(matchesType(alias, document), alias).toBe(true);
      const others = values.map(([other]) => other).filter((other) => other !== alias && !(alias === 'array' && other === 'int'));
      expect(others.filter((other) => matchesType(other, document)), alias).toEqual([]);
    }
  });

  it("takes numeric codes, 'number' and arrays of types", () => {
    const long = stored({ v: Long.fromNumber(1) });
    expect(matchesType(18, long)).toBe(true);
    expect(matchesType('number', long)).toBe(true);
    expect(matchesType(['string', 'long'], long)).toBe(true);
    expect(matchesType(['string', 16], long)).toBe(false);
    expect(matchesType('number', stored({ v: '1' }))).toBe(false);
  });

  it('sees through arrays and nested documents of a view, and inside $elemMatch on documents', () => {
    const document = stored({ v: [Long.fromNumber(1), 'x'], a: [{ b: new Double(1) }, { b: [Decimal128.fromString('2')] }] });
    expect(matchesType('array', document)).toBe(true);
    expect(matchesType('long', document)).toBe(true);
    expect(matchesType('int', document)).toBe(false);
    expect(matchesType('double', document, 'a.b')).toBe(true);
    expect(matchesType('decimal', document, 'a.b')).toBe(true);
    expect(matchesType('array', document, 'a.b')).toBe(true);
    expect(matchesType('double', document, 'a.0.b')).toBe(true);
    expect(new Query({ a: { $elemMatch: { b: { $type: 'double' } } } }, queryOptions()).test(document)).toBe(true);
  });

  it('reads a document without wrappers (its own view) as it is', () => {
    expect(matchesType('int', { v: 1 })).toBe(true);
    expect(matchesType('double', { v: 2 ** 40 })).toBe(true);
    expect(matchesType('double', { v: -0 })).toBe(true);
  });

  it('refuses bad arguments with MongoDB codes', () => {
    const refusal = (type: unknown) => {
      try {
        matchesType(type, {});
      } catch (error) {
        return error instanceof CommandError ? [error.codeName, error.message] : error;
      }
      return undefined;
    };
    expect(refusal('integer')).toEqual(['BadValue', 'Unknown type name alias: integer']);
    expect(refusal(99)).toEqual(['BadValue', 'Invalid numerical type code: 99']);
    expect(refusal(2.5)).toEqual(['BadValue', 'Invalid numerical type code: 2.5']);
    expect(refusal(0)).toEqual(['BadValue', 'Invalid numerical type code: 0. Instead use {$exists:false}.']);
    expect(refusal(true)).toEqual(['TypeMismatch', 'type must be represented as a number or a string']);
    expect(refusal([])).toEqual(['FailedToParse', 'v must match at least one type']);
  });
});
