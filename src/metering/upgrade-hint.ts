import type { Meter, PeriodKind, PlanCatalog } from '../ledger/index.js';
import { findPlan } from '../ledger/index.js';

/** A plan that would give more of a meter the account ran out of. */
export type UpgradeHint = { planId: string; name: string; tier: number; meter: Meter; allowance: number; unlimited: boolean; period: PeriodKind };

/**
 * The next plan tier of the same product that has more of `meter`: the lowest tier above the current plan's that is
 * unlimited on the meter or gives a larger allowance for the same period (a daily and a monthly
 * allowance are not comparable, and the catalog's products differ by period); among plans of
 * that tier the smallest step up, then catalog order. Null when none has more.
 */
export function upgradeHint(plans: PlanCatalog, planId: string, meter: Meter): UpgradeHint | null {
  const current = findPlan(plans, planId);
  if (!current) return null;
  const now = current.meters[meter];
  if (now.unlimited) return null;
  const candidates: UpgradeHint[] = [];
  for (const [id, plan] of Object.entries(plans.plans)) {
    const { allowance, unlimited, period } = plan.meters[meter];
    const sameProduct = plan.product === current.product;
    if (sameProduct && plan.tier > current.tier && period === now.period && (unlimited || allowance > now.allowance)) {
      candidates.push({ planId: id, name: plan.name, tier: plan.tier, meter, allowance, unlimited, period });
    }
  }
  // Array.prototype.sort is stable: equal candidates keep catalog order.
  candidates.sort((a, b) => a.tier - b.tier || Number(a.unlimited) - Number(b.unlimited) || a.allowance - b.allowance);
  return candidates[0] ?? null;
}
