export {
  EXPIRED_TOKEN_MESSAGE,
  EXPIRY_LEEWAY_SECONDS,
  KEYS_UNAVAILABLE_MESSAGE,
  MISSING_TOKEN_MESSAGE,
  ROLES,
  acceptedUntil,
  createAuthenticator,
  type AuthError,
  type AuthResult,
  type Authenticate,
  type Role,
  type Viewer,
} from './authenticate.js';
export { bearerToken } from './bearer.js';
export { signToken, type TokenClaims } from './tokens.js';
