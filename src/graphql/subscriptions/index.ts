/**
 * Live usage: credit ticks and balances of an account as they change, over graphql-ws on the HTTP
 * server's `/graphql` (see `../websocket.ts`) or server-sent events. Every subscription needs a caller.
 */
import { builder } from '../builder.js';
import './fields.js';

builder.subscriptionType({});
