import type { Allocation } from './grants.js';
import type { Meter } from './meters.js';
import type { FailurePolicy } from './pricing.js';

/**
 * Credits set aside before slow work. On a limited meter the hold records exactly which grants
 * gave the credits (taken in burn order at hold time), so a commit consumes and a release returns
 * precisely those credits; a release into a grant that has expired meanwhile forfeits them (an
 * EXPIRY entry). On an unlimited meter nothing is taken from grants: `allocations` stays empty
 * and the hold only shows as reserved usage until it is committed.
 */
export type HoldLine = {
  meter: Meter;
  amount: number;
  allocations: Allocation[];
  /** Locked at hold time, like the price. */
  chargeOnProviderFailure: FailurePolicy;
};

/**
 * Who may settle a hold. A hold a caller made through the metering API is settled by that caller,
 * or by whoever may act for any caller of the account (its organization's admins, services). A
 * hold a workflow made (`generate`) is that workflow's alone: settling it from outside would let
 * its work be marked charged for less than its price.
 */
export type HoldOwner = { type: 'CALLER'; callerId: string } | { type: 'WORKFLOW'; workflow: string };

/** Who asks to settle a hold; `anyCaller`: an admin or service acting on an account in its scope. */
export type HoldSettler = { type: 'CALLER'; callerId: string; anyCaller: boolean } | { type: 'WORKFLOW'; workflow: string };

export function maySettle(owner: HoldOwner, settler: HoldSettler): boolean {
  if (owner.type === 'WORKFLOW') return settler.type === 'WORKFLOW' && settler.workflow === owner.workflow;
  return settler.type === 'CALLER' && (settler.anyCaller || settler.callerId === owner.callerId);
}

export type Hold = {
  /** Random: an id is no proof of anything, but a guessable one invites trying. */
  id: string;
  owner: HoldOwner;
  feature: string;
  memberId: string | null;
  sessionId: string | null;
  assetId: string | null;
  quoteId: string | null;
  /** The generation step this hold is for: committing it charges the step. */
  step: { name: string; fingerprint: string } | null;
  createdAt: Date;
  /** Released lazily by the clock at this instant if neither committed nor released. */
  expiresAt: Date;
  lines: HoldLine[];
};

export function reservedOn(holds: readonly Hold[], meter: Meter, memberId?: string): number {
  let reserved = 0;
  for (const hold of holds) {
    if (memberId !== undefined && hold.memberId !== memberId) continue;
    for (const line of hold.lines) if (line.meter === meter) reserved += line.amount;
  }
  return reserved;
}

export function grantsReferencedByHolds(holds: readonly Hold[]): Set<string> {
  return new Set(holds.flatMap((hold) => hold.lines.flatMap((line) => line.allocations.map((allocation) => allocation.grantId))));
}
