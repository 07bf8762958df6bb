/** The catalogs the server is configured with: plans and the pricing of features. Read-only. */
import './plans.js';
import './features.js';
import './products.js';

export { MeterEnum, PeriodEnum } from './meter.js';
export { planNode, PlanRef, requirePlanNode, RolloverKindEnum, RolloverRef, type PlanNode } from './plans.js';
