/** What an account has left on each meter, and when it resets. */
import './account-balances.js';
