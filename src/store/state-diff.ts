/**
 * What changed between two versions of an account's state, as MongoDB `$set` paths under
 * `prefix`, so that a write sends what the operation changed rather than the whole account: a
 * debit touches a few counters of a document that holds every grant, hold and member.
 *
 * Objects are compared key by key and arrays of the same length item by item; an array whose
 * length changed, an object that lost a key (or whose value became undefined, which the driver
 * leaves out), or a value of another kind is set whole. Dates
 * compare by instant. The values are those of `after` (not copies): the write serializes them.
 */
export function stateChanges(before: unknown, after: unknown, prefix: string): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  collect(before, after, prefix, changes);
  return changes;
}

function collect(before: unknown, after: unknown, path: string, changes: Record<string, unknown>): void {
  if (same(before, after)) return;
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    after.forEach((item, index) => collect(before[index], item, `${path}.${index}`, changes));
    return;
  }
  // A key that is gone, or now undefined (which the driver does not write), is only gone if the object is set whole.
  if (isRecord(before) && isRecord(after) && Object.keys(before).every((key) => before[key] === undefined || after[key] !== undefined)) {
    for (const [key, value] of Object.entries(after)) collect(before[key], value, `${path}.${key}`, changes);
    return;
  }
  changes[path] = after;
}

function same(before: unknown, after: unknown): boolean {
  if (before instanceof Date && after instanceof Date) return before.getTime() === after.getTime();
  return before === after;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
