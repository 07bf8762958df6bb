/** Webhook endpoints: registration by services (delivery is the next slice of issue 15). */
import './endpoint-fields.js';
