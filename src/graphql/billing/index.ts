/** What a billing page reads of an account: its reservations, its grants and its generation sessions. */
import './grants.js';
import './reservations.js';
import './sessions.js';

export { ReservationRef } from './reservations.js';
export { GenerationSessionRef } from './sessions.js';
export { accountKey } from './account-keys.js';
