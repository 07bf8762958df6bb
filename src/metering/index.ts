/**
 * The metering and administration writes (consume, reserve and settle, quotes, grants, plan
 * changes, member caps, credit policies) as a service beside the generation workflow: the GraphQL layer parses,
 * authorizes, calls it and maps its result. Refusals, with their upgrade hints, are shared by both.
 */
export { createMeteringService, type MeteringResult, type MeteringService, type MeteringServiceOptions, type Written } from './metering-service.js';
export { refusalOf, type Refusal } from './refusals.js';
export { upgradeHint, type UpgradeHint } from './upgrade-hint.js';
