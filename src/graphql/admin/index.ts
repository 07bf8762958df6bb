/** Administration: grants, removals, plan changes and credit policies (services only), and per-member caps (organization admins and services). */
import './grant-credits.js';
import './remove-credits.js';
import './change-plan.js';
import './member-caps.js';
import './set-credit-policy.js';
import './remove-credit-policy.js';
