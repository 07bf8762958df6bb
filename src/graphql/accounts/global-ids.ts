import { decodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';

/**
 * Validates an argument that takes the global ID of one type, and turns it into the store id it
 * wraps. Anything else fails validation (BAD_USER_INPUT) with a message that names the argument
 * only, never the value.
 */
export function globalIdOf(typename: string) {
  return z.string().transform((globalId, context) => {
    let decoded: { typename: string; id: string } | undefined;
    try {
      decoded = decodeGlobalID(globalId);
    } catch {
      // Not a global ID at all: refused below like the ID of another type.
    }
    if (decoded?.typename !== typename) {
      context.addIssue({ code: 'custom', message: `must be an ID of type ${typename}` });
      return z.NEVER;
    }
    return decoded.id;
  });
}
