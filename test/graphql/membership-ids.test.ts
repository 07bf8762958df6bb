import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { organizationAccountId } from '../../src/store/directory.js';
import { execute } from './client.js';
import { MembersDocument, ViewerDocument } from './generated/graphql.js';
import { accountGlobalId } from './ledger-fixture.js';
import { useTestServer } from './test-server.js';

const server = useTestServer();

/** The first request of a token provisions its accounts and its membership. */
async function signIn(claims: { sub: string; org: string; role: 'member' | 'admin' }): Promise<void> {
  const token = await server.token(claims);
  expect((await execute(server.url, ViewerDocument, { token })).errors).toBeUndefined();
}

async function membersOf(organizationId: string) {
  const token = await server.token({ sub: 'svc:directory-test', role: 'service' });
  const { data, errors } = await execute(server.url, MembersDocument, { token, variables: { id: accountGlobalId(organizationAccountId(organizationId)) } });
  expect(errors).toBeUndefined();
  return data!.account!.members!.edges.map(({ node }) => [node.user.externalId, node.role]);
}

describe('memberships of organizations and users whose ids contain the separator', () => {
  it('keeps organization x with user y/z apart from organization x/y with user z', async () => {
    const x = `o-${randomUUID()}`;
    await signIn({ sub: 'y/z', org: x, role: 'admin' });
    await signIn({ sub: 'z', org: `${x}/y`, role: 'member' });

    expect(await membersOf(x)).toEqual([['y/z', 'ADMIN']]);
    expect(await membersOf(`${x}/y`)).toEqual([['z', 'MEMBER']]);
  });

  it('keeps them apart the other way round too, and a role each follows only its own token', async () => {
    const x = `o-${randomUUID()}`;
    await signIn({ sub: 'z', org: `${x}/y`, role: 'admin' });
    await signIn({ sub: 'y/z', org: x, role: 'member' });
    expect(await membersOf(`${x}/y`)).toEqual([['z', 'ADMIN']]);
    expect(await membersOf(x)).toEqual([['y/z', 'MEMBER']]);

    await signIn({ sub: 'y/z', org: x, role: 'admin' });
    await signIn({ sub: 'z', org: `${x}/y`, role: 'member' });
    expect(await membersOf(`${x}/y`)).toEqual([['z', 'MEMBER']]);
    expect(await membersOf(x)).toEqual([['y/z', 'ADMIN']]);
  });
});
