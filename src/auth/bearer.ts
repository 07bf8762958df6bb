/**
 * The token of an HTTP `Authorization` header: `undefined` when there is none, so that the request
 * counts as anonymous, and an empty token (which never verifies) when the header is not a bearer
 * token, so that it fails as an invalid token rather than passing as anonymous.
 */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  if (authorization === null || authorization === undefined) return undefined;
  return /^Bearer +(\S+) *$/i.exec(authorization)?.[1] ?? '';
}
