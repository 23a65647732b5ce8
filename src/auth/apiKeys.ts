// API keys: creation (the key is returned once), listing, revocation, and the
// per-operation authentication, which is served from a short-lived cache. What a key
// holds open (sockets, streams) is tracked in `sessions` and ends when the key does.
import { AppError, forbidden, InputError, notFound, unauthenticated } from '../errors.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { type InGroup, isUuid } from '../ids.ts';
import { RefreshAheadCache } from '../refreshAheadCache.ts';
import { displayPrefix, generateKey, hashKey, isWellFormedKey } from './keyFormat.ts';
import { KeySessions } from './keySessions.ts';
import { isScope, type Scope } from './scopes.ts';

/** Who is calling: resolved from the key on every request. */
export interface Principal {
  keyId: string;
  keyName: string;
  groupId: string;
  groupName: string;
  scopes: ReadonlySet<Scope>;
  /** When the key stops working (null: never); a key cannot create one that outlives it. */
  expiresAt: Date | null;
}

export interface ApiKey {
  id: string;
  groupId: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface CreateApiKeyInput {
  groupId: string;
  name: string;
  scopes: readonly Scope[];
  expiresAt?: Date | null;
}

interface CachedKey extends ApiKey {
  groupName: string;
}

export interface ApiKeyServiceOptions {
  /** How long a looked-up key is trusted before it is read again (bounds revocation delay across instances). */
  cacheTtlMs?: number;
  /** lastUsedAt is written at most this often per key. */
  touchIntervalMs?: number;
  /** How often open sessions check that their keys are still valid (revocation elsewhere, expiry). */
  sessionCheckIntervalMs?: number;
  /** Tells the other instances that a key changed (see `changed`), so they act at once. */
  announce?: (change: KeyChange) => Promise<void>;
  onBackgroundError?: (error: unknown) => void;
}

/** A key revoked, or whose expiry moved; announced to every instance. */
export interface KeyChange {
  keyId: string;
  revoked: boolean;
}

/** How long a rotated key keeps working when the caller does not say. */
const ROTATION_OVERLAP_MS = 86_400_000;

const KEY_FIELDS = {
  id: true,
  groupId: true,
  name: true,
  prefix: true,
  scopes: true,
  createdAt: true,
  lastUsedAt: true,
  expiresAt: true,
  revokedAt: true,
} as const;

export class ApiKeyService {
  /** What keys hold open on this instance; ended when their key is revoked or expires. */
  readonly sessions: KeySessions;
  /** Keys by hash; one in steady use is read again before it expires (refresh-ahead). */
  private readonly cache: RefreshAheadCache<string, CachedKey>;
  private readonly lastTouched = new Map<string, number>();
  private readonly touchIntervalMs: number;
  private readonly onBackgroundError: (error: unknown) => void;
  private readonly announce: (change: KeyChange) => Promise<void>;

  constructor(
    private readonly prisma: PrismaClient,
    options: ApiKeyServiceOptions = {},
  ) {
    this.touchIntervalMs = options.touchIntervalMs ?? 60_000;
    this.onBackgroundError = options.onBackgroundError ?? (() => {});
    this.cache = new RefreshAheadCache({
      ttlMs: options.cacheTtlMs ?? 5_000,
      max: 10_000,
      load: (hash) => this.read(hash),
      onRefreshError: this.onBackgroundError,
    });
    this.announce = options.announce ?? (async () => {});
    this.sessions = new KeySessions({
      isKeyActive: (keyIds) => this.activeAmong(keyIds),
      checkIntervalMs: options.sessionCheckIntervalMs,
      onError: this.onBackgroundError,
    });
  }

  close(): void {
    this.sessions.close();
  }

  /** Resolves the caller of a request; throws UNAUTHENTICATED for a missing, unknown, revoked or expired key. */
  async authenticate(key: string | null | undefined): Promise<Principal> {
    if (!key)
      throw unauthenticated(
        'Missing API key: send it as "X-API-Key: <key>" or "Authorization: Bearer <key>"',
      );
    if (!isWellFormedKey(key)) {
      throw unauthenticated(
        'Invalid API key: not a GoFindMe key (gfm_ and 36 letters or digits), or mistyped',
      );
    }
    const record = await this.cache.get(hashKey(key));
    if (!record) throw unauthenticated('Invalid API key');
    const now = Date.now();
    if (record.revokedAt && record.revokedAt.getTime() <= now)
      throw unauthenticated('This API key has been revoked');
    if (record.expiresAt && record.expiresAt.getTime() <= now)
      throw unauthenticated('This API key has expired');
    this.touch(record.id, now);
    return {
      keyId: record.id,
      keyName: record.name,
      groupId: record.groupId,
      groupName: record.groupName,
      scopes: new Set(record.scopes),
      expiresAt: record.expiresAt,
    };
  }

  async create(input: CreateApiKeyInput): Promise<{ apiKey: ApiKey; key: string }> {
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) throw InputError.at(['name'], 'must be 1 to 100 characters');
    if (input.scopes.length === 0) throw InputError.at(['scopes'], 'give at least one scope');
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
      throw InputError.at(['expiresAt'], 'must be in the future');
    }
    const key = generateKey();
    const row = await this.prisma.apiKey.create({
      data: {
        groupId: input.groupId,
        name,
        prefix: displayPrefix(key),
        hash: hashKey(key),
        scopes: [...new Set(input.scopes)],
        expiresAt: input.expiresAt ?? null,
      },
      select: KEY_FIELDS,
    });
    return { apiKey: toApiKey(row), key };
  }

  /**
   * Creates a key on behalf of another key: same group, no scope the creator lacks, and
   * never outliving the creator (no `expiresAt` given: the creator's; a later one is refused).
   */
  createFor(
    creator: Principal,
    input: Omit<CreateApiKeyInput, 'groupId'>,
  ): Promise<{ apiKey: ApiKey; key: string }> {
    const missing = input.scopes.filter((scope) => !creator.scopes.has(scope));
    if (missing.length > 0) throw forbidden(`A key cannot grant scopes it lacks: ${missing.join(', ')}`);
    const limit = creator.expiresAt;
    if (limit && input.expiresAt && input.expiresAt > limit) {
      throw InputError.at(
        ['expiresAt'],
        `must not be later than the creating key's own expiry (${limit.toISOString()})`,
      );
    }
    return this.create({ ...input, expiresAt: input.expiresAt ?? limit, groupId: creator.groupId });
  }

  /**
   * Rotation: a new key with the same name, scopes and expiry (capped at the rotating
   * key's own), while the old one keeps working until `oldKeyExpiresAt` (default 24 h
   * from now; never later than it would have anyway), so that apps can switch without
   * downtime. Both happen or neither, and never from a key revoked meanwhile.
   */
  async rotateFor(
    creator: Principal,
    ref: InGroup,
    oldKeyExpiresAt?: Date | null,
  ): Promise<{ apiKey: ApiKey; key: string; previous: ApiKey }> {
    const old = await this.get(ref);
    const now = Date.now();
    const missing = old.scopes.filter((scope) => !creator.scopes.has(scope));
    if (missing.length > 0) throw forbidden(`A key cannot grant scopes it lacks: ${missing.join(', ')}`);
    const until = oldKeyExpiresAt ?? new Date(now + ROTATION_OVERLAP_MS);
    if (until.getTime() < now) throw InputError.at(['oldKeyExpiresAt'], 'must not be in the past');
    const oldUntil = old.expiresAt && old.expiresAt < until ? old.expiresAt : until;
    const limit = creator.expiresAt;
    const expiresAt = limit && (!old.expiresAt || old.expiresAt > limit) ? limit : old.expiresAt;
    const key = generateKey();
    const { created, previous } = await this.prisma.$transaction(async (tx) => {
      // Only a key that is still valid at this moment is rotated (a concurrent revoke wins).
      const { count } = await tx.apiKey.updateMany({
        where: { id: old.id, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] },
        data: { expiresAt: oldUntil },
      });
      if (count !== 1) {
        throw new AppError('CONFLICT', 'This key is revoked or expired: create a new key instead');
      }
      return {
        created: await tx.apiKey.create({
          data: {
            groupId: creator.groupId,
            name: old.name,
            prefix: displayPrefix(key),
            hash: hashKey(key),
            scopes: old.scopes,
            expiresAt,
          },
          select: KEY_FIELDS,
        }),
        previous: await tx.apiKey.findUniqueOrThrow({
          where: { id: old.id },
          select: { ...KEY_FIELDS, hash: true },
        }),
      };
    });
    this.forget(previous.hash);
    await this.announce({ keyId: previous.id, revoked: false });
    return { apiKey: toApiKey(created), key, previous: toApiKey(previous) };
  }

  async get({ groupId, id }: InGroup): Promise<ApiKey> {
    const row = isUuid(id)
      ? await this.prisma.apiKey.findFirst({ where: { id, groupId }, select: KEY_FIELDS })
      : null;
    if (!row) throw notFound(`No API key with id "${id}"`);
    return toApiKey(row);
  }

  async list(groupId: string): Promise<ApiKey[]> {
    const rows = await this.prisma.apiKey.findMany({
      where: { groupId },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: KEY_FIELDS,
    });
    return rows.map(toApiKey);
  }

  /**
   * Revokes a key of the group at once: its requests are refused and what it holds open
   * (sockets, streams) ends here now and on other instances within seconds. Revoking twice
   * keeps the first revocation time, also when two revocations race.
   */
  revoke({ groupId, id }: InGroup): Promise<ApiKey> {
    return this.revokeWhere(id, { groupId });
  }

  /** Revokes any key by id: for the operator's command line. */
  revokeAsOperator(id: string): Promise<ApiKey> {
    return this.revokeWhere(id, {});
  }

  private async revokeWhere(id: string, scope: { groupId?: string }): Promise<ApiKey> {
    if (!isUuid(id)) throw notFound(`No API key with id "${id}"`);
    const where = { id, ...scope };
    await this.prisma.apiKey.updateMany({
      where: { ...where, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    const row = await this.prisma.apiKey.findFirst({ where, select: { ...KEY_FIELDS, hash: true } });
    if (!row) throw notFound(`No API key with id "${id}"`);
    this.forget(row.hash);
    this.sessions.end(row.id);
    await this.announce({ keyId: row.id, revoked: true });
    return toApiKey(row);
  }

  /** Which of these keys are neither revoked nor expired (read from the database, not the cache). */
  async activeAmong(keyIds: readonly string[]): Promise<Set<string>> {
    const now = new Date();
    const rows = await this.prisma.apiKey.findMany({
      where: {
        id: { in: keyIds.filter(isUuid) },
        revokedAt: null,
        OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
      },
      select: { id: true },
    });
    return new Set(rows.map((row) => row.id));
  }

  /** Another instance changed a key: read it again on its next use, and end its sessions if revoked. */
  changed({ keyId, revoked }: KeyChange): void {
    this.cache.deleteWhere((record) => record.id === keyId);
    if (revoked) this.sessions.end(keyId);
  }

  private read(hash: string): Promise<CachedKey | undefined> {
    return this.prisma.apiKey
      .findUnique({ where: { hash }, select: { ...KEY_FIELDS, group: { select: { name: true } } } })
      .then((row) => (row ? { ...toApiKey(row), groupName: row.group.name } : undefined));
  }

  /** Drops a key from this instance's cache (after a revocation). */
  private forget(hash: string): void {
    this.cache.delete(hash);
  }

  private touch(keyId: string, now: number): void {
    const last = this.lastTouched.get(keyId);
    if (last !== undefined && now - last < this.touchIntervalMs) return;
    this.lastTouched.set(keyId, now);
    if (this.lastTouched.size > 100_000) this.lastTouched.clear();
    // Fire and forget: bookkeeping must not slow down or fail the request.
    this.prisma.apiKey
      .updateMany({ where: { id: keyId }, data: { lastUsedAt: new Date(now) } })
      .catch(this.onBackgroundError);
  }
}

function toApiKey(row: {
  id: string;
  groupId: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}): ApiKey {
  return {
    id: row.id,
    groupId: row.groupId,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes.filter(isScope),
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
  };
}
