// Managing webhooks and reading their delivery log. Deliveries of locations are
// enqueued by the location writer (same statement as the location); this service
// enqueues test events and requeues deliveries (redeliver, replay).
import { deliveryCursor } from '../cursors.ts';
import { type GroupLimit, withinLimit } from '../db/limits.ts';
import { prismaTransactionSql, type Sql } from '../db/sql.ts';
import { AppError, InputError, type InputIssue, notFound } from '../errors.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { WebhookDeliveryStatus } from '../generated/prisma/enums.ts';
import { type InGroup, isUuid, NOT_PRINTABLE_1_TO_128, PRINTABLE_1_TO_128 } from '../ids.ts';
import type { PageWindow } from '../paging.ts';
import { DEFAULT_EVENT_TYPES, EVENT_TYPES, type SubscribableEventType, testEventBody } from './events.ts';
import * as outbox from './outbox.ts';
import { newSecret } from './signing.ts';
import { type UrlPolicy, UrlRefused } from './urlPolicy.ts';

export type DeliveryStatus = WebhookDeliveryStatus;

const MAX_DEVICE_IDS = 1000;
const MAX_DESCRIPTION = 500;

export interface Webhook {
  id: string;
  groupId: string;
  url: string;
  description: string | null;
  /** Empty: every device. */
  deviceIds: string[];
  /** What it receives: SubscribableEventType values (`location.created`, `geofence.entered`, ...). */
  eventTypes: string[];
  active: boolean;
  disabledReason: string | null;
  failingSince: Date | null;
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  eventType: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  lastDurationMs: number | null;
  lastResponseBody: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface CreateWebhookInput {
  url: string;
  description?: string | null;
  deviceIds?: readonly string[] | null;
  /** Default: `location.created` only. */
  eventTypes?: readonly SubscribableEventType[] | null;
}

export interface UpdateWebhookInput {
  url?: string | null;
  description?: string | null;
  deviceIds?: readonly string[] | null;
  eventTypes?: readonly SubscribableEventType[] | null;
  active?: boolean | null;
}

export interface ReplayRange {
  from: Date;
  to?: Date | null;
  status?: DeliveryStatus | null;
}

const WEBHOOK_SELECT = {
  id: true,
  groupId: true,
  url: true,
  description: true,
  deviceIds: true,
  eventTypes: true,
  active: true,
  disabledReason: true,
  failingSince: true,
  previousSecretExpiresAt: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.WebhookSelect;

export class WebhookService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: Sql,
    private readonly policy: UrlPolicy,
    private readonly options: { secretOverlapMs: number; maxPerGroup: number },
    /** Called when deliveries became due (to wake a local worker). */
    private readonly onDue: () => void = () => {},
  ) {}

  list(groupId: string): Promise<Webhook[]> {
    return this.prisma.webhook.findMany({
      where: { groupId },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: WEBHOOK_SELECT,
    });
  }

  async get({ groupId, id }: InGroup): Promise<Webhook> {
    const webhook = isUuid(id)
      ? await this.prisma.webhook.findFirst({ where: { id, groupId }, select: WEBHOOK_SELECT })
      : null;
    if (!webhook) throw notFound(`No webhook with id "${id}" in this group`);
    return webhook;
  }

  async create(groupId: string, input: CreateWebhookInput): Promise<{ webhook: Webhook; secret: string }> {
    const data = await this.validate(input, true);
    const secret = newSecret();
    const limit: GroupLimit = {
      what: 'webhooks',
      max: this.options.maxPerGroup,
      setting: 'WEBHOOKS_MAX_PER_GROUP',
      count: (tx) => tx.webhook.count({ where: { groupId } }),
    };
    const webhook = await withinLimit(this.prisma, groupId, limit, (tx) =>
      tx.webhook.create({
        data: {
          groupId,
          url: data.url!,
          description: data.description ?? null,
          deviceIds: data.deviceIds ?? [],
          eventTypes: data.eventTypes ?? [...DEFAULT_EVENT_TYPES],
          secret,
        },
        select: WEBHOOK_SELECT,
      }),
    );
    return { webhook, secret };
  }

  /** Changes what is given. Enabling a disabled webhook resumes its paused deliveries. */
  async update(ref: InGroup, input: UpdateWebhookInput): Promise<Webhook> {
    const { id } = await this.get(ref);
    const data = await this.validate(input, false);
    let enabling = false;
    return this.prisma
      .$transaction(async (tx) => {
        // Read under the row's lock: two updates at once (or a worker disabling it) take turns,
        // so deliveries are paused exactly when the webhook ends up disabled.
        const [current] = await tx.$queryRaw<{ active: boolean }[]>`
          SELECT active FROM webhooks WHERE id = ${id}::uuid FOR UPDATE`;
        if (!current) throw notFound(`No webhook with id "${id}" in this group`);
        enabling = input.active === true && !current.active;
        const disabling = input.active === false && current.active;
        const webhook = await tx.webhook.update({
          where: { id },
          data: {
            ...data,
            ...(input.active != null ? { active: input.active } : {}),
            ...(enabling ? { disabledReason: null, failingSince: null } : {}),
            ...(disabling ? { disabledReason: null } : {}),
          },
          select: WEBHOOK_SELECT,
        });
        if (enabling) await outbox.resume(prismaTransactionSql(tx), id);
        if (disabling) await outbox.hold(prismaTransactionSql(tx), id);
        return webhook;
      })
      .finally(() => {
        if (enabling) this.onDue();
      });
  }

  /** Deletes the webhook and its delivery log; nothing more is sent to it. */
  async delete(ref: InGroup): Promise<Webhook> {
    const webhook = await this.get(ref);
    await this.prisma.webhook.delete({ where: { id: webhook.id } });
    return webhook;
  }

  /** A new secret; the previous one keeps signing alongside it for the overlap window. */
  async rotateSecret(ref: InGroup): Promise<{ webhook: Webhook; secret: string }> {
    const { id } = await this.get(ref);
    const secret = newSecret();
    const [row] = await this.sql.query<{ id: string }>(
      `UPDATE webhooks SET previous_secret = secret, secret = $2,
         previous_secret_expires_at = now() + $3::bigint * interval '1 millisecond', updated_at = now()
       WHERE id = $1::uuid RETURNING id`,
      [id, secret, this.options.secretOverlapMs],
    );
    if (!row) throw notFound(`No webhook with id "${id}" in this group`);
    return { webhook: await this.get(ref), secret };
  }

  /** Enqueues a `webhook.test` event, due now. */
  async test(ref: InGroup): Promise<WebhookDelivery> {
    const webhook = await this.get(ref);
    const { id } = webhook;
    if (!webhook.active) throw disabledError(webhook);
    const delivery = await this.prisma.webhookDelivery.create({
      data: { webhookId: id, eventType: EVENT_TYPES.test, payload: testEventBody(id) },
    });
    this.onDue();
    return delivery;
  }

  /** Sends a delivery again, whatever its status, with a fresh retry budget. */
  async redeliver({ groupId, id: deliveryId }: InGroup): Promise<WebhookDelivery> {
    const delivery = isUuid(deliveryId)
      ? await this.prisma.webhookDelivery.findFirst({
          where: { id: deliveryId, webhook: { groupId } },
          include: { webhook: { select: WEBHOOK_SELECT } },
        })
      : null;
    if (!delivery) throw notFound(`No webhook delivery with id "${deliveryId}" in this group`);
    if (!delivery.webhook.active) throw disabledError(delivery.webhook);
    // Read in the same transaction, so the answer shows it requeued, not already claimed again.
    const requeued = await this.prisma.$transaction(async (tx) => {
      const [id] = await outbox.requeue(prismaTransactionSql(tx), { deliveryId });
      return id ? tx.webhookDelivery.findUniqueOrThrow({ where: { id } }) : undefined;
    });
    if (!requeued) {
      throw new AppError(
        'CONFLICT',
        'This delivery is being attempted right now; its result is recorded shortly',
      );
    }
    this.onDue();
    return requeued;
  }

  /**
   * Sends again every delivery of a webhook created in [from, to] (optionally of one
   * status), except those being attempted right now (never replayed, so a receiver never
   * gets one webhook-id twice at once). Returns how many.
   */
  async replay(ref: InGroup, range: ReplayRange): Promise<number> {
    const webhook = await this.get(ref);
    const webhookId = webhook.id;
    if (!webhook.active) throw disabledError(webhook);
    const to = range.to ?? new Date();
    if (to < range.from) throw InputError.at(['to'], 'must not be before from');
    if (range.status === 'delivering') {
      throw InputError.at(['status'], 'deliveries being attempted right now are never replayed');
    }
    const requeued = await outbox.requeue(this.sql, {
      webhookId,
      from: range.from,
      to,
      status: range.status ?? null,
    });
    if (requeued.length > 0) this.onDue();
    return requeued.length;
  }

  /** The delivery log, newest first. */
  async deliveries(
    webhookId: string,
    window: PageWindow,
    status?: DeliveryStatus | null,
  ): Promise<WebhookDelivery[]> {
    const where: Prisma.WebhookDeliveryWhereInput = { webhookId, ...(status ? { status } : {}) };
    const bounds: Prisma.WebhookDeliveryWhereInput[] = [];
    // Newest first: "after" is older, "before" is newer.
    if (window.after) bounds.push(olderThan(deliveryCursor.parse(window.after, 'after')));
    if (window.before) bounds.push(newerThan(deliveryCursor.parse(window.before, 'before')));
    const direction = window.inverted ? 'asc' : 'desc';
    return this.prisma.webhookDelivery.findMany({
      where: { ...where, AND: bounds },
      orderBy: [{ createdAt: direction }, { id: direction }],
      take: window.limit,
    });
  }

  /** Deliveries of active webhooks not delivered yet (waiting or being attempted), over all instances. */
  backlog(): Promise<number> {
    return outbox.backlog(this.sql);
  }

  private async validate(input: UpdateWebhookInput, creating: boolean): Promise<WebhookFields> {
    const issues: InputIssue[] = [];
    const data: WebhookFields = {};
    if (input.url != null || creating) {
      try {
        data.url = (await this.policy.check(input.url ?? '')).href;
      } catch (error) {
        if (!(error instanceof UrlRefused)) throw error;
        issues.push({ path: ['input', 'url'], message: error.message });
      }
    }
    if (input.description !== undefined) {
      const description = input.description?.trim() || null;
      if (description && description.length > MAX_DESCRIPTION) {
        issues.push({
          path: ['input', 'description'],
          message: `must be at most ${MAX_DESCRIPTION} characters`,
        });
      }
      data.description = description;
    }
    if (input.deviceIds != null) {
      if (input.deviceIds.length > MAX_DEVICE_IDS) {
        issues.push({ path: ['input', 'deviceIds'], message: `must list at most ${MAX_DEVICE_IDS} devices` });
      }
      input.deviceIds.forEach((deviceId, i) => {
        if (!PRINTABLE_1_TO_128.test(deviceId)) {
          issues.push({ path: ['input', 'deviceIds', i], message: NOT_PRINTABLE_1_TO_128 });
        }
      });
      data.deviceIds = [...new Set(input.deviceIds)];
    }
    if (input.eventTypes != null) {
      if (input.eventTypes.length === 0) {
        issues.push({ path: ['input', 'eventTypes'], message: 'must name at least one event type' });
      }
      data.eventTypes = [...new Set(input.eventTypes)];
    }
    if (issues.length > 0) throw new InputError(issues);
    return data;
  }
}

interface WebhookFields {
  url?: string;
  description?: string | null;
  deviceIds?: string[];
  eventTypes?: SubscribableEventType[];
}

function disabledError(webhook: Pick<Webhook, 'disabledReason'>): AppError {
  return new AppError(
    'CONFLICT',
    `This webhook is disabled${webhook.disabledReason ? ` (${webhook.disabledReason})` : ''}; enable it with updateWebhook(active: true) first`,
  );
}

/** The cursor of a delivery in its webhook's log. */
export const deliveryCursorOf = (delivery: Pick<WebhookDelivery, 'createdAt' | 'id'>) =>
  deliveryCursor.encode({ createdAt: delivery.createdAt, id: delivery.id });

const olderThan = (c: { createdAt: Date; id: string }): Prisma.WebhookDeliveryWhereInput => ({
  OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }],
});
const newerThan = (c: { createdAt: Date; id: string }): Prisma.WebhookDeliveryWhereInput => ({
  OR: [{ createdAt: { gt: c.createdAt } }, { createdAt: c.createdAt, id: { gt: c.id } }],
});
