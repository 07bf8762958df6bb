import type { MeterBalance } from '../../ledger/index.js';
import { balancesOfAccount, type AccountMeterBalance } from '../balances/meter-balance.js';

/** Each snapshot's balances with their account, built once for every subscriber that receives the snapshot. */
const withAccount = new WeakMap<readonly MeterBalance[], AccountMeterBalance[]>();

/**
 * A balance feed's snapshots as `MeterBalance` answers them (with the account its ids name). A
 * snapshot the feeds of an account share gives them one and the same array, so that its
 * execution stays shared (see shared-execution.ts) and no field has to read the caller.
 */
class BalancesOfAccount implements AsyncIterableIterator<AccountMeterBalance[]> {
  constructor(
    private readonly feed: AsyncIterator<readonly MeterBalance[]>,
    private readonly accountId: string,
  ) {}

  async next(): Promise<IteratorResult<AccountMeterBalance[]>> {
    const step = await this.feed.next();
    if (step.done) return { done: true, value: undefined };
    let balances = withAccount.get(step.value);
    if (!balances) withAccount.set(step.value, (balances = balancesOfAccount(this.accountId, step.value)));
    return { done: false, value: balances };
  }

  async return(): Promise<IteratorResult<AccountMeterBalance[]>> {
    await this.feed.return?.();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

export function accountBalances(feed: AsyncIterator<readonly MeterBalance[]>, accountId: string): AsyncIterableIterator<AccountMeterBalance[]> {
  return new BalancesOfAccount(feed, accountId);
}
