/** An account's ledger history and its usage summaries. */
import './history.js';
import './summary.js';
