/** How messages meant for people write instants and numbers. */

const DAY = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
const TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** An instant as prose, e.g. "1 January 2027 at 00:00 UTC" (fields of the error carry it exactly). */
export function instantText(instant: Date): string {
  return `${DAY.format(instant)} at ${TIME.format(instant)} UTC`;
}

/** A whole number with thousands separators, e.g. "1,000". */
export function countText(count: number): string {
  return count.toLocaleString('en-US');
}
