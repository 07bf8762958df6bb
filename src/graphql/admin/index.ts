/** Administration: grants and plan changes (services only), and per-member caps (organization admins and services). */
import './grant-credits.js';
import './change-plan.js';
import './member-caps.js';
