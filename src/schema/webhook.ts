// Webhooks: management, the delivery log, test, redeliver and replay.
import { resolveCursorConnection } from '@pothos/plugin-relay';
import { checkPageSize, MAX_PAGE_SIZE } from '../paging.ts';
import { EVENT_TYPES, type SubscribableEventType } from '../webhooks/events.ts';
import {
  type DeliveryStatus,
  deliveryCursorOf,
  type Webhook,
  type WebhookDelivery,
} from '../webhooks/service.ts';
import { builder } from './builder.ts';

const manage = { scope: 'webhooks:manage' } as const;

export const WebhookDeliveryStatusRef = builder.enumType('WebhookDeliveryStatus', {
  description: 'Where a delivery stands.',
  values: {
    PENDING: { value: 'pending', description: 'Waiting for its first attempt.' },
    DELIVERING: { value: 'delivering', description: 'An attempt is running.' },
    SUCCEEDED: { value: 'succeeded', description: 'The endpoint answered 2xx.' },
    FAILED: {
      value: 'failed',
      description: 'The last attempt failed; another is scheduled (`nextAttemptAt`).',
    },
    DEAD: { value: 'dead', description: 'Every retry failed. `redeliverWebhookDelivery` sends it again.' },
  } satisfies Record<string, { value: DeliveryStatus; description: string }>,
});

export const WebhookEventTypeRef = builder.enumType('WebhookEventType', {
  description: 'What a webhook receives. The payload `type` is the value in parentheses.',
  values: {
    LOCATION_CREATED: {
      value: EVENT_TYPES.locationCreated,
      description: 'A location was stored (`location.created`; data: the Location).',
    },
    GEOFENCE_ENTERED: {
      value: EVENT_TYPES.geofenceEntered,
      description:
        'A device entered a geofence (`geofence.entered`; data: the GeofenceEvent with its location).',
    },
    GEOFENCE_EXITED: {
      value: EVENT_TYPES.geofenceExited,
      description:
        'A device left a geofence, or the geofence was deleted or stopped applying to it (`geofence.exited`, `removed: true`).',
    },
    GEOFENCE_DWELLED: {
      value: EVENT_TYPES.geofenceDwelled,
      description: 'A device has been inside a geofence for its `dwellSeconds` (`geofence.dwelled`).',
    },
  } satisfies Record<string, { value: SubscribableEventType; description: string }>,
});

export const WebhookDeliveryRef = builder.objectRef<WebhookDelivery>('WebhookDelivery').implement({
  description: 'One event for one webhook, and the outcome of its last attempt.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Also the `webhook-id` header: the same on every attempt.' }),
    eventType: t.exposeString('eventType', {
      description:
        'The payload `type`: `location.created`, `geofence.entered`, `geofence.exited`, `geofence.dwelled` or `webhook.test`.',
    }),
    status: t.field({ type: WebhookDeliveryStatusRef, resolve: (d) => d.status }),
    attempts: t.exposeInt('attempts', { description: 'Attempts since it was (re)queued.' }),
    nextAttemptAt: t.expose('nextAttemptAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the next attempt is due; null when finished or while the webhook is disabled.',
    }),
    lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true }),
    lastStatusCode: t.exposeInt('lastStatusCode', {
      nullable: true,
      description: 'HTTP status of the last response; null when there was none.',
    }),
    lastError: t.exposeString('lastError', {
      nullable: true,
      description: 'Why the last attempt failed (timeout, refused address, redirect, HTTP status, ...).',
    }),
    lastDurationMs: t.exposeInt('lastDurationMs', { nullable: true }),
    lastResponseBody: t.exposeString('lastResponseBody', {
      nullable: true,
      description: 'The start (at most 2 KiB) of the last response body.',
    }),
    payload: t.exposeString('payload', { description: 'The exact JSON body sent.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
  }),
});

export const WebhookRef = builder.objectRef<Webhook>('Webhook').implement({
  description:
    'An HTTPS endpoint that receives the group’s events of `eventTypes` (or only those of `deviceIds`), signed per Standard Webhooks.',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    description: t.exposeString('description', { nullable: true }),
    deviceIds: t.exposeStringList('deviceIds', {
      description: 'Only these devices; empty means every device.',
    }),
    eventTypes: t.field({
      type: [WebhookEventTypeRef],
      description: 'What it receives.',
      resolve: (webhook) => webhook.eventTypes as SubscribableEventType[],
    }),
    active: t.exposeBoolean('active', {
      description: 'Disabled webhooks receive nothing until enabled again.',
    }),
    disabledReason: t.exposeString('disabledReason', {
      nullable: true,
      description: 'Why the server disabled it (410 Gone, or every delivery failing for too long).',
    }),
    failingSince: t.expose('failingSince', {
      type: 'DateTime',
      nullable: true,
      description: 'Since when every attempt has failed; null while deliveries succeed.',
    }),
    previousSecretExpiresAt: t.expose('previousSecretExpiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'After a rotation, the old secret also signs until this time.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    deliveries: t.connection(
      {
        type: WebhookDeliveryRef,
        description: 'The delivery log, newest first.',
        args: { status: t.arg({ type: WebhookDeliveryStatusRef }) },
        resolve: (webhook, args, { services }) => {
          checkPageSize(args);
          return resolveCursorConnection<Promise<WebhookDelivery[]>>(
            { args, toCursor: deliveryCursorOf, defaultSize: 50, maxSize: MAX_PAGE_SIZE },
            (window) => services.webhooks.deliveries(webhook.id, window, args.status),
          );
        },
      },
      { name: 'WebhookDeliveryConnection' },
      { name: 'WebhookDeliveryEdge' },
    ),
  }),
});

const WebhookSecretPayloadRef = builder
  .objectRef<{ webhook: Webhook; secret: string }>('WebhookSecretPayload')
  .implement({
    fields: (t) => ({
      webhook: t.field({ type: WebhookRef, resolve: (payload) => payload.webhook }),
      secret: t.exposeString('secret', {
        description: 'The signing secret (`whsec_…`). It is shown only this once: store it now.',
      }),
    }),
  });

const ReplayPayloadRef = builder
  .objectRef<{ webhook: Webhook; replayed: number }>('ReplayWebhookDeliveriesPayload')
  .implement({
    fields: (t) => ({
      webhook: t.field({ type: WebhookRef, resolve: (payload) => payload.webhook }),
      replayed: t.exposeInt('replayed', { description: 'How many deliveries were queued again.' }),
    }),
  });

const CreateWebhookInputRef = builder.inputType('CreateWebhookInput', {
  fields: (t) => ({
    url: t.string({
      required: true,
      description: 'http or https; the host must resolve to public addresses only.',
    }),
    description: t.string(),
    deviceIds: t.stringList({
      description: 'Only these devices’ events; omit or leave empty for every device.',
    }),
    eventTypes: t.field({
      type: [WebhookEventTypeRef],
      description: 'What it receives; default `[LOCATION_CREATED]`. At least one.',
    }),
  }),
});

const UpdateWebhookInputRef = builder.inputType('UpdateWebhookInput', {
  description: 'Only the fields given change.',
  fields: (t) => ({
    url: t.string(),
    description: t.string(),
    deviceIds: t.stringList(),
    eventTypes: t.field({ type: [WebhookEventTypeRef], description: 'At least one.' }),
    active: t.boolean({
      description: 'false pauses deliveries; true resumes them, including those held while disabled.',
    }),
  }),
});

builder.queryFields((t) => ({
  webhooks: t.field({
    type: [WebhookRef],
    description: "The group's webhooks (at most WEBHOOKS_MAX_PER_GROUP, 50 by default).",
    authScopes: manage,
    resolve: (_root, _args, { services, principal }) => services.webhooks.list(principal.groupId),
  }),
  webhook: t.field({
    type: WebhookRef,
    authScopes: manage,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { services, principal }) =>
      services.webhooks.get({ groupId: principal.groupId, id: String(id) }),
  }),
}));

builder.mutationFields((t) => ({
  createWebhook: t.field({
    type: WebhookSecretPayloadRef,
    description:
      'Creates a webhook; events of its `eventTypes` (new locations by default) are POSTed to it from now on.',
    authScopes: manage,
    args: { input: t.arg({ type: CreateWebhookInputRef, required: true }) },
    resolve: (_root, { input }, { services, principal }) =>
      services.webhooks.create(principal.groupId, input),
  }),
  updateWebhook: t.field({
    type: WebhookRef,
    authScopes: manage,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateWebhookInputRef, required: true }) },
    resolve: (_root, { id, input }, { services, principal }) =>
      services.webhooks.update({ groupId: principal.groupId, id: String(id) }, input),
  }),
  deleteWebhook: t.field({
    type: WebhookRef,
    description: 'Deletes the webhook and its delivery log.',
    authScopes: manage,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { services, principal }) =>
      services.webhooks.delete({ groupId: principal.groupId, id: String(id) }),
  }),
  rotateWebhookSecret: t.field({
    type: WebhookSecretPayloadRef,
    description:
      'Issues a new secret. The previous one keeps signing alongside it (two signatures) until `previousSecretExpiresAt`.',
    authScopes: manage,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { services, principal }) =>
      services.webhooks.rotateSecret({ groupId: principal.groupId, id: String(id) }),
  }),
  testWebhook: t.field({
    type: WebhookDeliveryRef,
    description: 'Sends a `webhook.test` event now; its outcome shows in `deliveries`.',
    authScopes: manage,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { services, principal }) =>
      services.webhooks.test({ groupId: principal.groupId, id: String(id) }),
  }),
  redeliverWebhookDelivery: t.field({
    type: WebhookDeliveryRef,
    description: 'Sends a delivery again now (same `webhook-id`), with a fresh retry budget.',
    authScopes: manage,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { services, principal }) =>
      services.webhooks.redeliver({ groupId: principal.groupId, id: String(id) }),
  }),
  replayWebhookDeliveries: t.field({
    type: ReplayPayloadRef,
    description:
      'Sends again every delivery of the webhook created between `from` and `to` (default now), optionally only those with `status`.',
    authScopes: manage,
    args: {
      id: t.arg.id({ required: true }),
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime' }),
      status: t.arg({ type: WebhookDeliveryStatusRef }),
    },
    resolve: async (_root, { id, from, to, status }, { services, principal }) => {
      const replayed = await services.webhooks.replay(
        { groupId: principal.groupId, id: String(id) },
        { from, to, status },
      );
      return {
        webhook: await services.webhooks.get({ groupId: principal.groupId, id: String(id) }),
        replayed,
      };
    },
  }),
}));
