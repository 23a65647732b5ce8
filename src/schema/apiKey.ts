// The caller (viewer), its group, and API key management.
import type { ApiKey } from '../auth/apiKeys.ts';
import { SCOPES, type Scope, scopeToEnumName } from '../auth/scopes.ts';
import { builder } from './builder.ts';

export const ApiKeyScopeRef = builder.enumType('ApiKeyScope', {
  values: Object.fromEntries(SCOPES.map((scope) => [scopeToEnumName(scope), { value: scope }])) as Record<
    string,
    { value: Scope }
  >,
});

interface GroupShape {
  id: string;
  name: string;
}

export const GroupRef = builder.objectRef<GroupShape>('Group').implement({
  description: 'The tenant a key belongs to. A key only ever sees its own group.',
  fields: (t) => ({ id: t.exposeID('id'), name: t.exposeString('name') }),
});

export const ApiKeyRef = builder.objectRef<ApiKey>('ApiKey').implement({
  description:
    'An API key. The key itself is shown once, when it is created; only its prefix is kept visible.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'The first characters of the key, to recognise it.' }),
    scopes: t.field({ type: [ApiKeyScopeRef], resolve: (key) => key.scopes }),
    group: t.field({
      type: GroupRef,
      resolve: (key, _args, { principal }) => ({ id: key.groupId, name: principal.groupName }),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Updated at most once a minute.',
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

const CreatedApiKeyRef = builder.objectRef<{ apiKey: ApiKey; key: string }>('CreateApiKeyPayload').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, resolve: (payload) => payload.apiKey }),
    key: t.exposeString('key', { description: 'The key. It is shown only this once: store it now.' }),
  }),
});

const RotatedApiKeyRef = builder
  .objectRef<{ apiKey: ApiKey; key: string; previous: ApiKey }>('RotateApiKeyPayload')
  .implement({
    fields: (t) => ({
      apiKey: t.field({ type: ApiKeyRef, description: 'The new key.', resolve: (payload) => payload.apiKey }),
      key: t.exposeString('key', { description: 'The new key. It is shown only this once: store it now.' }),
      previous: t.field({
        type: ApiKeyRef,
        description: 'The old key, with the `expiresAt` it now has.',
        resolve: (payload) => payload.previous,
      }),
    }),
  });

const CreateApiKeyInputRef = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    scopes: t.field({ type: [ApiKeyScopeRef], required: true }),
    expiresAt: t.field({ type: 'DateTime' }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({
    type: ApiKeyRef,
    description: 'The key making this request, and its group.',
    resolve: (_root, _args, { services, principal }) =>
      services.apiKeys.get({ groupId: principal.groupId, id: principal.keyId }),
  }),
  apiKeys: t.field({
    type: [ApiKeyRef],
    description: 'All keys of the group, including revoked ones.',
    authScopes: { scope: 'keys:manage' },
    resolve: (_root, _args, { services, principal }) => services.apiKeys.list(principal.groupId),
  }),
}));

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKeyRef,
    description: 'Creates a key in the caller’s group. A key can only grant scopes it has itself.',
    authScopes: { scope: 'keys:manage' },
    args: { input: t.arg({ type: CreateApiKeyInputRef, required: true }) },
    resolve: (_root, { input }, { services, principal }) =>
      services.apiKeys.createFor(principal, {
        name: input.name,
        scopes: input.scopes,
        expiresAt: input.expiresAt,
      }),
  }),
  rotateApiKey: t.field({
    type: RotatedApiKeyRef,
    description:
      'Issues a replacement key with the same name, scopes and expiry. The old key keeps working until `oldKeyExpiresAt` (default: 24 hours from now), so apps can switch over without downtime.',
    authScopes: { scope: 'keys:manage' },
    args: {
      id: t.arg.id({ required: true }),
      oldKeyExpiresAt: t.arg({ type: 'DateTime' }),
    },
    resolve: (_root, { id, oldKeyExpiresAt }, { services, principal }) =>
      services.apiKeys.rotateFor(principal, { groupId: principal.groupId, id: String(id) }, oldKeyExpiresAt),
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    description: 'Revokes a key of the caller’s group at once.',
    authScopes: { scope: 'keys:manage' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { services, principal }) =>
      services.apiKeys.revoke({ groupId: principal.groupId, id: String(id) }),
  }),
}));
