/** Webhooks for services: endpoint registration, the delivery log and redelivery. */
import './endpoint-fields.js';
import './delivery-fields.js';
import './redeliver.js';
