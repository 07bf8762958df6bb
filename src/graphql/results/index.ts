/**
 * What the API's writes answer, shared by every module: the typed refusals (one declaration each,
 * and one mapping from the services' refusals), the payload every write shares, and amounts per meter.
 */
export * from './result-errors.js';
export { ErrorInterface, RESULT_ERROR_CODES, ResultError, type ResultErrorCode } from './result-error.js';
export { resultErrorOf } from './refusals.js';
export { AccountPayloadRef, payloadOf, type AccountPayload, type AccountSnapshot } from './payloads.js';
export { MeterAmountRef, meterAmountList, meterLabel, type MeterAmount } from './meter-amounts.js';
export { maskError } from './mask-error.js';
