import { describe, expect, it } from 'vitest';
import type { Viewer } from '../auth/index.js';
import { authScopesFor, unauthorizedError } from './auth-scopes.js';
import type { Context } from './context.js';
import { badUserInput } from './errors.js';

const contextOf = (viewer: Partial<Viewer> | null): Pick<Context, 'viewer'> => ({
  viewer: viewer && { userId: 'u1', organizationId: null, role: 'member', expiresAt: new Date(), ...viewer },
});

describe('auth scopes', () => {
  it('grant nothing to an anonymous request', () => {
    const scopes = authScopesFor(contextOf(null));
    expect(scopes.authenticated).toBe(false);
    expect(scopes.service).toBe(false);
    expect(scopes.orgAdmin('o1')).toBe(false);
  });

  it('make a member authenticated, and nothing more', () => {
    const scopes = authScopesFor(contextOf({ organizationId: 'o1' }));
    expect([scopes.authenticated, scopes.service, scopes.orgAdmin('o1')]).toEqual([true, false, false]);
  });

  it('make an admin the admin of its own organization only', () => {
    const scopes = authScopesFor(contextOf({ organizationId: 'o1', role: 'admin' }));
    expect([scopes.orgAdmin('o1'), scopes.orgAdmin('o2'), scopes.service]).toEqual([true, false, false]);
    expect(authScopesFor(contextOf({ organizationId: null, role: 'admin' })).orgAdmin('o1')).toBe(false);
  });

  it('recognise a service, which administers no organization by its role alone', () => {
    const scopes = authScopesFor(contextOf({ userId: 'svc:billing', role: 'service' }));
    expect([scopes.authenticated, scopes.service, scopes.orgAdmin('o1')]).toEqual([true, true, false]);
  });

  it('refuse with UNAUTHENTICATED without a caller and with FORBIDDEN with one', () => {
    expect(unauthorizedError(contextOf(null)).extensions.code).toBe('UNAUTHENTICATED');
    const forbidden = unauthorizedError(contextOf({}));
    expect(forbidden.extensions.code).toBe('FORBIDDEN');
    expect(forbidden.message).toBe('Your access token does not allow this.');
  });
});

describe('badUserInput', () => {
  it('lists every problem with the path of the input it is about', () => {
    const error = badUserInput([
      { message: 'must be positive', path: ['input', { key: 'amount' }] },
      { message: 'must name a feature' },
    ]);
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe('input.amount: must be positive; must name a feature');
  });
});
