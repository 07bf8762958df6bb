/**
 * The metering API, for backends (services, and members on their own drawing account): credits
 * consumed at once, reservations committed or released, prices and quotes. The work is the
 * metering service's (src/metering); what every write answers is in ../results.
 */
import './consume-credits.js';
import './reservations.js';
import './quote.js';
