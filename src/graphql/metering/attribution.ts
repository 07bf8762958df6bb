/** Input fields the raw-amount writes share: who is charged, what for, and the caller's notes. */
export const attributionFields = {
  memberId: 'Services only: the member of an organization pool the credits are for, by its `User.id`; held to its cap. A member or admin always spends as itself.',
  feature: 'The catalog feature the credits were used for; recorded as the feature of the entries.',
  sessionId: 'The generation session the credits were used in; recorded with the entries.',
  assetId: 'The asset the credits were spent on (a video, an image, a project: at most 200 characters); recorded with the entries, so usage can be told per asset.',
  metadata: 'Notes recorded with the entries: a flat JSON object of strings, numbers, booleans and nulls (at most 32 keys).',
} as const;
