import { INPUT_LIMITS, productOf } from '../../ledger/index.js';
import type { Written } from '../../metering/index.js';
import { builder } from '../builder.js';
import { PlanRef, requirePlanNode } from '../catalog/index.js';
import { boundedText } from '../inputs/index.js';
import {
  AccountNotFoundError,
  AccountPayloadRef,
  CreditLimitExceededError,
  IdempotencyKeyReusedError,
  InvalidInputError,
  LimitReachedError,
  PlanOfAnotherProductError,
  UnknownPlanError,
  type AccountPayload,
} from '../results/index.js';
import { adminFields } from './admin-fields.js';
import { adminMutation } from './admin-mutation.js';

type PlanChange = Written<'PLAN_CHANGED'>;

const PlanChangeModeEnum = builder.enumType('PlanChangeMode', {
  values: {
    IMMEDIATE: {
      description:
        "An upgrade (a higher tier): the plan applies now, and this period's allowance grows by the difference; a meter whose period kind changes (monthly to daily, or back) starts a period of the new kind now, with the new allowance.",
    },
    SCHEDULED: { description: 'Any other change: the plan applies at the next billing reset (`effectiveAt`); nothing changes before.' },
    UNCHANGED: { description: 'The account is on this plan already; a scheduled change, if any, is cancelled.' },
  } satisfies Record<PlanChange['mode'], { description: string }>,
});

const ChangePlanInput = builder.inputType('ChangePlanInput', {
  fields: (t) => ({
    accountId: t.id({ required: true, description: 'The global id of the account.' }),
    plan: t.string({ required: true, description: 'The key of the plan to move to, e.g. `rheos.pro` (`Plan.key`).' }),
    idempotencyKey: t.string({ required: true, description: adminFields.idempotencyKey }),
  }),
});

type PlanChanged = AccountPayload & { readonly planKey: string; readonly mode: PlanChange['mode']; readonly effectiveAt: Date };

const ChangePlanSuccessRef = builder.objectRef<PlanChanged>('ChangePlanSuccess').implement({
  description: 'The plan change is applied or scheduled. Top-ups and rolled-over credits are never touched.',
  interfaces: [AccountPayloadRef],
  fields: (t) => ({
    plan: t.field({
      type: PlanRef,
      description: 'The plan asked for.',
      resolve: ({ planKey }, _args, context) => requirePlanNode(context, planKey),
    }),
    mode: t.field({ type: PlanChangeModeEnum, resolve: ({ mode }) => mode }),
    effectiveAt: t.field({ type: 'DateTime', description: 'When the plan applies (or applied).', resolve: ({ effectiveAt }) => effectiveAt }),
  }),
});

adminMutation('changePlan', {
  type: ChangePlanSuccessRef,
  input: ChangePlanInput,
  description:
    "Services only: moves an account to another plan of its plan's product (another product's plan is refused); an upgrade applies at once, a downgrade at the next billing reset. Idempotent by `idempotencyKey`.",
  refusals: [InvalidInputError, UnknownPlanError, PlanOfAnotherProductError, CreditLimitExceededError, LimitReachedError, IdempotencyKeyReusedError, AccountNotFoundError],
  write: ({ context, accountId, idempotencyKey, input }) =>
    context.services.metering.changePlan(accountId, { idempotencyKey, planId: boundedText('plan', input.plan, INPUT_LIMITS.planId) }),
  refusal: (context) => ({ productName: (product) => productOf(context.services.catalogs.plans, product).name }),
  answer: ({ planId, mode, effectiveAt }) => ({ planKey: planId, mode, effectiveAt }),
});
