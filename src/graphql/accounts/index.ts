/** Who the caller is, and (with the ledger store) the accounts it may see. */
import './viewer.js';
