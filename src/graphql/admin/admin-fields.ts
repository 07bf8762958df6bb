/** Input fields the credit administration writes share. */
export const adminFields = {
  reason: 'Why, for the account history (e.g. an order number or a support ticket).',
  idempotencyKey: 'Names this request: a retry with the same key changes nothing more.',
} as const;
