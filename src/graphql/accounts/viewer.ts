import type { Role, Viewer } from '../../auth/index.js';
import { builder } from '../builder.js';
import { viewerOf } from '../context.js';

export const RoleEnum = builder.enumType('Role', {
  values: {
    MEMBER: { value: 'member', description: "A user: sees its own account and its organization's pool." },
    ADMIN: { value: 'admin', description: "An administrator of the token's organization: also sees and caps per-member usage." },
    SERVICE: { value: 'service', description: "The product's backend: may act on any account, grant credits and change plans." },
  } satisfies Record<Uppercase<Role>, { value: Role; description: string }>,
});

export const UserRef = builder.objectRef<{ userId: string }>('User').implement({
  description: 'A person, as the identity provider knows them.',
  fields: (t) => ({
    id: t.globalID({ resolve: ({ userId }) => ({ type: 'User', id: userId }) }),
    externalId: t.string({ description: "The user's id at the identity provider (the token's `sub`).", resolve: ({ userId }) => userId }),
  }),
});

const OrganizationRef = builder.objectRef<{ organizationId: string }>('Organization').implement({
  description: 'A team whose members draw from one shared pool of credits.',
  fields: (t) => ({
    id: t.globalID({ resolve: ({ organizationId }) => ({ type: 'Organization', id: organizationId }) }),
    externalId: t.string({
      description: "The organization's id at the identity provider (the token's `org`).",
      resolve: ({ organizationId }) => organizationId,
    }),
  }),
});

export const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  description: 'The caller, as its access token names it.',
  fields: (t) => ({
    id: t.globalID({ resolve: ({ userId }) => ({ type: 'Viewer', id: userId }) }),
    subject: t.string({
      description: "The token's subject: a user id, or a service name such as `svc:billing`.",
      resolve: ({ userId }) => userId,
    }),
    role: t.field({ type: RoleEnum, resolve: ({ role }) => role }),
    user: t.field({
      type: UserRef,
      nullable: true,
      description: 'The user the token was issued to; null for a service token.',
      resolve: (viewer) => (viewer.role === 'service' ? null : { userId: viewer.userId }),
    }),
    organization: t.field({
      type: OrganizationRef,
      nullable: true,
      description: 'The organization the token names, whose pool the user draws from.',
      resolve: ({ organizationId }) => (organizationId === null ? null : { organizationId }),
    }),
    expiresAt: t.field({
      type: 'DateTime',
      description: 'When the access token expires: get a new one before then.',
      resolve: ({ expiresAt }) => expiresAt,
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    nullable: true,
    description: 'Who is calling. Without a token: null, with an UNAUTHENTICATED error that spares the fields beside it (the public catalog).',
    resolve: (_root, _args, context) => viewerOf(context),
  }),
);
