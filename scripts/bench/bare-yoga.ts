/**
 * The baseline of the mutation figure: bare graphql-yoga on node:http with one trivial mutation,
 * in production mode (no GraphiQL, no landing page, masked errors, no logging), in its own
 * process like the server under test.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { serve } from './rpc.js';

let counter = 0;
const yoga = createYoga({
  schema: createSchema({
    typeDefs: /* GraphQL */ `
      type Query {
        counter: Int!
      }
      type Mutation {
        increment(by: Int!): Int!
      }
    `,
    resolvers: {
      Query: { counter: () => counter },
      Mutation: { increment: (_root: unknown, { by }: { by: number }) => (counter += by) },
    },
  }),
  graphqlEndpoint: '/graphql',
  graphiql: false,
  landingPage: false,
  logging: false,
  maskedErrors: true,
});

const server = createServer(yoga);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});

export type BareYogaReady = { graphqlUrl: string };
serve({}, { graphqlUrl: `http://127.0.0.1:${port}/graphql` } satisfies BareYogaReady);
