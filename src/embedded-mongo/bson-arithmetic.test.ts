import { Decimal128, Double, Long } from 'bson';
import { describe, expect, it } from 'vitest';
import { applyArithmetic, zeroLike } from './bson-arithmetic.js';

describe('applyArithmetic', () => {
  it('widens to the wider operand type, as MongoDB does', () => {
    expect(applyArithmetic('add', 1, 2)).toBe(3);
    expect(applyArithmetic('add', 1, 0.5)).toBe(1.5);
    expect(applyArithmetic('add', 0.5, 0.5)).toEqual(new Double(1));
    expect(applyArithmetic('add', Long.fromNumber(1), 1)).toEqual(Long.fromNumber(2));
    expect(applyArithmetic('multiply', Decimal128.fromString('0.1'), 3)).toEqual(Decimal128.fromString('0.3'));
    expect(applyArithmetic('add', Decimal128.fromString('0.1'), Decimal128.fromString('0.2'))).toEqual(Decimal128.fromString('0.3'));
  });

  it('turns a double into a decimal of 15 significant digits before decimal arithmetic, as MongoDB does', () => {
    expect(String(applyArithmetic('add', Decimal128.fromString('1.1'), 0.1))).toBe('1.200000000000000');
    expect(String(applyArithmetic('add', Decimal128.fromString('1.1'), new Double(2)))).toBe('3.10000000000000');
    expect(String(applyArithmetic('add', Decimal128.fromString('1.1'), 2))).toBe('3.1');
    expect(String(applyArithmetic('multiply', Decimal128.fromString('2.5'), 0))).toBe('0.0');
  });

  it('turns an int32 overflow into a long and a long overflow into no value', () => {
    expect(applyArithmetic('add', 2147483647, 1)).toEqual(Long.fromNumber(2147483648));
    expect(applyArithmetic('multiply', 65536, 65536)).toEqual(Long.fromString('4294967296'));
    expect(applyArithmetic('add', Long.MAX_VALUE, 1)).toBeUndefined();
    expect(applyArithmetic('add', Long.fromString('9007199254740993'), 1)).toEqual(Long.fromString('9007199254740994'));
  });

  it('gives $mul on a missing field the zero of the argument type', () => {
    expect(zeroLike(5)).toBe(0);
    expect(zeroLike(Long.fromNumber(5))).toEqual(Long.fromNumber(0));
    expect(zeroLike(2.5)).toEqual(new Double(0));
  });
});
