/** Limits on how fast callers may spend, shared by every server process through Redis when there is one. */
export { createSpendLimiter, type SpendLimiter, type SpendLimiterOptions } from './spend-limiter.js';
