import type { Viewer } from '../../auth/index.js';
import { accountIdOf } from '../inputs/index.js';
import { InvalidInputError } from '../results/result-errors.js';
import { drawingAccountId } from './access.js';

/**
 * The account an optional `accountId` argument names, or without one the account the caller
 * draws from (its organization's pool when its token names one, else its own). A service draws
 * from none, so it must name one: BAD_USER_INPUT. Whether the caller may use it is the field's rule.
 */
export function namedOrDrawingAccountId(viewer: Viewer, globalId: string | null | undefined): string {
  if (globalId !== null && globalId !== undefined) return accountIdOf(globalId);
  if (viewer.role === 'service') throw new InvalidInputError({ field: 'accountId', problem: 'is required for a service, which draws from no account of its own' });
  return drawingAccountId(viewer);
}
