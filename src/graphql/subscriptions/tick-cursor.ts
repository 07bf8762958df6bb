import type { TickPosition } from '../../realtime/index.js';
import { InvalidInputError } from '../results/result-errors.js';

const PREFIX = 'CreditTick:';
/** A seq of at most 16 digits and a change's index of at most 4: anything longer is no cursor. */
const POSITION = /^CreditTick:([1-9][0-9]{0,15}):(0|[1-9][0-9]{0,3})$/;
const MAX_CURSOR_LENGTH = 64;

/**
 * `CreditTick.cursor`: the tick's position (its entry's seq and its change's index in that entry)
 * in an opaque string, the same for every view and meter filter, so that a client resumes with
 * what it received without knowing what it says.
 */
export function tickCursor(position: TickPosition): string {
  return Buffer.from(`${PREFIX}${position.seq}:${position.change}`).toString('base64url');
}

/** The position a `creditUsage(after:)` cursor names, or an InvalidInputError about `after`. */
export function tickPositionOf(cursor: string): TickPosition {
  const match = cursor.length <= MAX_CURSOR_LENGTH ? POSITION.exec(Buffer.from(cursor, 'base64url').toString()) : null;
  const seq = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(seq)) throw new InvalidInputError({ field: 'after', problem: 'must be the cursor of a CreditTick' });
  return { seq, change: Number(match[2]) };
}
