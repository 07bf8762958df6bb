/** Who the caller is, and the accounts it may see: their plans and, for organizations, their members. */
import './viewer.js';
import './account.js';
import './members.js';
import './credit-policies.js';

export { AccountRef } from './account.js';
export { authorize, entryAsSeenBy, itemizedMemberFor } from './access.js';
export { UserRef } from './viewer.js';
