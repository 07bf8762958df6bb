import type { TypedDocumentString } from './generated/graphql.js';

/**
 * The request's token was refused (UNAUTHENTICATED): it expired, or is no longer valid. The card
 * then asks to sign in again rather than showing stale numbers.
 */
export class SessionEndedError extends Error {
  constructor(
    message: string,
    /** The token expired (rather than being invalid): a new one resumes where the card was. */
    readonly expired: boolean,
  ) {
    super(message);
    this.name = 'SessionEndedError';
  }
}

type GraphQLErrorBody = { message: string; extensions?: { code?: string } };

/** One operation over HTTP with the caller's token; a refused token throws `SessionEndedError`. */
export async function graphqlRequest<TResult, TVariables>(token: string, document: TypedDocumentString<TResult, TVariables>, variables: TVariables): Promise<TResult> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = (await response.json()) as { data?: TResult | null; errors?: GraphQLErrorBody[] };
  const refused = body.errors?.find((error) => error.extensions?.code === 'UNAUTHENTICATED');
  if (refused) throw new SessionEndedError(refused.message, /expired/i.test(refused.message));
  if (body.errors?.length) throw new Error(body.errors.map((error) => error.message).join('; '));
  if (!body.data) throw new Error(`HTTP ${response.status}`);
  return body.data;
}

/** A token for the server's demo user (`GET /demo/token`, development conveniences only). */
export async function mintDemoToken(): Promise<string> {
  const response = await fetch('/demo/token', { cache: 'no-store' });
  if (!response.ok) throw new Error('This server does not mint demo tokens (development and test only): paste a token.');
  return ((await response.json()) as { token: string }).token;
}
