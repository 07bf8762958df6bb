/**
 * The metering API, for backends (services, and members on their own drawing account): credits
 * consumed at once, reservations committed or released, and quotes. Also the typed results and
 * refusals every write of the API shares (the admin and generation modules use them too).
 */
import './consume-credits.js';
import './reservations.js';
import './quote.js';
