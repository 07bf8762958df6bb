import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';

export type GraphQLResponse<Data> = {
  readonly status: number;
  readonly headers: Headers;
  readonly data: Data | null | undefined;
  readonly errors: readonly GraphQLFormattedError[] | undefined;
};

export type RequestOptions<Variables> = {
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  /** A raw Authorization header, for tests of malformed ones; wins over `token`. */
  readonly authorization?: string;
  readonly variables?: Variables;
};

/** Executes a generated, typed document over HTTP: the data comes back typed by the operation. */
export async function execute<Data, Variables>(
  url: string,
  document: TypedDocumentNode<Data, Variables>,
  options: RequestOptions<Variables> = {},
): Promise<GraphQLResponse<Data>> {
  const authorization = options.authorization ?? (options.token === undefined ? undefined : `Bearer ${options.token}`);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: JSON.stringify({ query: print(document), variables: options.variables ?? {} }),
  });
  const body = (await response.json()) as { data?: Data | null; errors?: GraphQLFormattedError[] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

/** The `extensions.code` of each error, in order. */
export function errorCodes(response: GraphQLResponse<unknown>): unknown[] {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}
