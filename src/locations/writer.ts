// Stores location reports. This is the product's write path, and it carries two guarantees:
//
// 1. Commit-ordered, hole-free sequences. Every write locks its group's row
//    (groups.last_sequence) and holds the lock until COMMIT, so a group's writers
//    commit one after another and sequence N+1 is never visible before N. A serial id
//    cannot promise that: concurrent transactions commit out of order.
// 2. Idempotent retries. A report whose (deviceId, clientId) is already stored returns
//    the stored row and creates nothing. The same clientId with a different fix is the
//    caller's mistake (a reused counter): the call is refused (ClientIdReused) and nothing
//    of it is written, rather than the new fix being dropped unseen.
//
// Holding a lock through COMMIT caps a group at one commit per disk flush, so reports
// of a group are coalesced (group commit): one statement per group is in flight, and
// whatever arrives meanwhile queues and goes together in the next one. An idle server
// adds no delay; a busy one writes many rows per flush. Each caller's reports are
// always in one transaction, so a reportLocations call stays all or nothing.
// (Sending several statements per group at once, to queue on the row lock inside
// PostgreSQL, measured slower: smaller batches cost more CPU per report.)
//
// The same statement writes the webhook outbox: one delivery row per new location and
// matching active webhook, so a location is never stored without its deliveries.
//
// The common case is one statement in one round trip (FAST_INSERT). When a report
// repeats a stored clientId, or a concurrent writer stored it first, the write falls
// back to an explicit transaction that takes the lock before looking (SAFE_INSERT).
//
// An extension (geofences) adds its own rows to the same statement: it plans them from
// what it knows of the group as of a last sequence, and the statement writes nothing
// unless the group is still there (its guard); otherwise the write takes the locked
// path, where the extension reads what it needs under the lock. In a group where the
// extension has no work as far as this instance knows, or where it does not know yet (the
// group's first report here), the statement checks that itself and writes only if so:
// a report does not wait for the extension to find out.
import type { Sql, SqlClient } from '../db/sql.ts';
import { notFound } from '../errors.ts';
import { isUuid } from '../ids.ts';
import { EVENT_TYPES, eventBodySql, eventTypeSql } from '../webhooks/events.ts';
import { enqueueSql } from '../webhooks/outbox.ts';
import type { Commit } from './afterCommit.ts';
import {
  fromReport,
  GENERATED_COLUMNS,
  LOCATION_COLUMNS,
  type Location,
  type LocationReport,
  type LocationRow,
  locationJsonSql,
  REPORTED_COLUMNS,
  reportArrays,
  reportUnnest,
  sameFix,
  timestampSql,
  toLocation,
} from './record.ts';

/**
 * Reports whose clientId the device already used for a different fix (the position,
 * time or any other field differs). `stored` is the stored location, or null when the
 * call itself used the clientId twice for different fixes.
 */
export class ClientIdReused extends Error {
  constructor(readonly items: { index: number; stored: Location | null }[]) {
    super('clientId reused for a different fix');
    this.name = 'ClientIdReused';
  }
}

/** Reports of several callers shared a transaction and one of them conflicts: retry each alone. */
class RetryAlone extends Error {}

/**
 * Work that belongs in the transaction of the locations it is about (geofence events).
 *
 * One statement: `plan` returns the extension's parameters for `statement`, assuming the
 * reports are all new and numbered after `lastSequence`; `committed` is called with
 * what was stored. The locked path, when the plan is refused or cannot be made: `read`
 * (statements without parameters) runs right after the lock, in the same round trip as
 * BEGIN, so it sees every earlier writer and none of this write; `run` is called with its
 * rows and the new locations after they are inserted, before COMMIT.
 */
export interface WriteExtension {
  /**
   * Whether the extension has work in the group, when known without waiting: true, false
   * (none as far as this instance knows), or undefined (not known yet; finding out has begun).
   */
  known(groupId: string): boolean | undefined;
  /** Whether the extension has work in the group; `reload`: what this instance knew is stale. */
  applies(groupId: string, reload?: boolean): Promise<boolean>;
  /** The statements a plan may choose (each prepared once). */
  readonly statements: readonly StatementExtension[];
  /**
   * The statement (one of `statements`, without parameters) for a group where the extension
   * has no work as far as this instance knows: its guard writes nothing unless that holds.
   */
  readonly idle: string;
  plan(groupId: string, reports: readonly LocationReport[]): Promise<WritePlan | undefined>;
  read(groupId: string, reports: readonly LocationReport[]): string;
  run(
    tx: SqlClient,
    groupId: string,
    created: readonly Location[],
    read: Record<string, unknown>[],
  ): Promise<AfterCommitWork>;
  /** The write took the locked path: what the extension knew of the group may be stale. */
  forget(groupId: string): void;
}

/**
 * An extension's part of the one-statement write: constant SQL, its parameters numbered
 * from `$p`. It may read the CTEs `input`, `counter` (with `base`) and `inserted`.
 */
export interface StatementExtension {
  /** Names the prepared statement. */
  name: string;
  /** A condition on the group's row (`groups`): the write happens only if it holds. */
  guard(p: number): string;
  /** More `SET` assignments on the group's row, with a leading comma. */
  set(p: number): string;
  /** More `RETURNING` expressions of the group's row, with a leading comma. */
  returning(p: number): string;
  /** More CTEs, each followed by a comma. */
  ctes(p: number): string;
  /** More columns of the new rows' result: expressions over `counter c` (or scalar subqueries). */
  columns(p: number): string[];
}

/** An extension's plan for one write. */
export interface WritePlan {
  /** Which of the extension's statements (by name). */
  statement: string;
  /** The group's last sequence the plan assumes; the write happens only if it is still that. */
  lastSequence: bigint;
  /** The extension's parameters. */
  params: unknown[];
  /** After COMMIT: the new locations, in input order, and the result's first row. */
  committed(created: readonly Location[], row: Record<string, unknown>): AfterCommitWork;
}

/** What an extension has to do once the transaction has committed. */
export interface AfterCommitWork {
  /** Webhook deliveries it enqueued. */
  deliveries: number;
  /** Announces what it stored. */
  publish(): void;
}

interface PendingWrite {
  reports: readonly LocationReport[];
  resolve(locations: Location[]): void;
  reject(error: unknown): void;
}

interface GroupQueue {
  pending: PendingWrite[];
  inFlight: number;
}

/** Statements per group sent to the database at once (see above for why 1). */
const MAX_IN_FLIGHT = 1;
/** Most rows one coalesced statement takes (a single call may bring up to the batch limit alone). */
const MAX_ROWS_PER_TRANSACTION = 2000;
const UNIQUE_VIOLATION = '23505';

export class LocationWriter {
  private readonly queues = new Map<string, GroupQueue>();

  constructor(
    private readonly sql: Sql,
    /** Called after each COMMIT, one commit at a time (see afterCommit.ts). */
    private readonly onCommitted: (commit: Commit) => void = () => {},
    private readonly extension?: WriteExtension,
  ) {
    for (const statement of extension?.statements ?? []) {
      this.extendedInserts.set(statement.name, fastInsertSql(statement));
    }
  }

  private readonly extendedInserts = new Map<string, string>();

  /** Stores all reports of one call atomically; resolves only after COMMIT. */
  write(groupId: string, reports: readonly LocationReport[]): Promise<Location[]> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(groupId);
      if (!queue) {
        queue = { pending: [], inFlight: 0 };
        this.queues.set(groupId, queue);
      }
      queue.pending.push({ reports, resolve, reject });
      this.pump(groupId, queue);
    });
  }

  private pump(groupId: string, queue: GroupQueue): void {
    while (queue.inFlight < MAX_IN_FLIGHT && queue.pending.length > 0) {
      const batch = takeBatch(queue.pending);
      queue.inFlight++;
      void this.flush(groupId, batch).finally(() => {
        queue.inFlight--;
        if (queue.pending.length > 0) this.pump(groupId, queue);
        else if (queue.inFlight === 0) this.queues.delete(groupId);
      });
    }
  }

  private async flush(groupId: string, batch: PendingWrite[]): Promise<void> {
    try {
      const results = await this.commit(groupId, batch);
      for (const [i, write] of batch.entries()) write.resolve(results[i]!);
    } catch (error) {
      if (batch.length === 1 && !(error instanceof RetryAlone)) {
        batch[0]!.reject(error);
        return;
      }
      // Do not let one caller's failure fail the others that happened to share its transaction.
      for (const write of batch) {
        try {
          const [result] = await this.commit(groupId, [write]);
          write.resolve(result!);
        } catch (singleError) {
          write.reject(singleError);
        }
      }
    }
  }

  private async commit(groupId: string, writes: readonly PendingWrite[]): Promise<Location[][]> {
    if (!isUuid(groupId)) throw notFound('This key’s group no longer exists');
    // Within one transaction, a repeated (deviceId, clientId) is stored once.
    const unique: LocationReport[] = [];
    const positions: number[][] = writes.map(() => []);
    const firstByClientId = new Map<string, { index: number; write: number }>();
    const reusedInCall: { index: number; stored: null }[] = [];
    writes.forEach((write, w) => {
      write.reports.forEach((report, i) => {
        const key = report.clientId === null ? null : `${report.deviceId}\u0000${report.clientId}`;
        const seen = key === null ? undefined : firstByClientId.get(key);
        if (seen !== undefined) {
          if (!sameFix(unique[seen.index]!, report)) {
            if (seen.write !== w) throw new RetryAlone();
            reusedInCall.push({ index: i, stored: null });
          }
          positions[w]!.push(seen.index);
          return;
        }
        if (key !== null) firstByClientId.set(key, { index: unique.length, write: w });
        positions[w]!.push(unique.length);
        unique.push(report);
      });
    });
    if (reusedInCall.length > 0) throw new ClientIdReused(reusedInCall);

    const started = performance.now();
    // A stored clientId answers a retry only if the retry is the same fix; checked before
    // anything is written (fast path) or before COMMIT (safe path), so a refusal writes nothing.
    const verify = (existing: ReadonlyMap<number, Location>) => {
      const reused = [...existing].filter(([u, location]) => !sameFix(location, unique[u]!)).map(([u]) => u);
      if (reused.length === 0) return;
      if (writes.length > 1) throw new RetryAlone();
      throw new ClientIdReused(
        positions[0]!.flatMap((u, index) =>
          reused.includes(u) ? [{ index, stored: existing.get(u)! }] : [],
        ),
      );
    };
    // A group where the extension (geofences) has work: one statement if the extension can
    // plan it, else the locked path. Where it has none as far as this instance knows, or
    // does not know yet: the statement that writes only if it has none. When that wrote
    // nothing, a report was stored before (a retry) or the extension has work after all:
    // the locked path, with the extension if it has.
    const known = this.extension?.known(groupId);
    let extend = known === true ? this.extension : undefined;
    const plan = extend ? await extend.plan(groupId, unique) : undefined;
    const idle = this.extension && !extend ? { statement: this.extension.idle, params: [] } : undefined;
    let result = extend && !plan ? undefined : await this.storeFast(groupId, unique, verify, plan ?? idle);
    if (typeof result !== 'object') {
      // Refused by the guard although this instance knew of no work: what it knew is stale.
      const reload = known === false && result === 'refused';
      if (idle) extend = (await this.extension!.applies(groupId, reload)) ? this.extension : undefined;
      extend?.forget(groupId);
      result = await this.storeSafely(groupId, unique, verify, extend);
    }
    const { stored, deliveries, after } = result;
    // New rows are numbered in input order, so they are already in sequence order.
    this.onCommitted({
      groupId,
      created: stored.filter((s) => s.fresh).map((s) => s.location),
      deliveries: deliveries + (after?.deliveries ?? 0),
      durationMs: performance.now() - started,
      after: after?.publish,
    });
    return positions.map((indexes) => indexes.map((i) => stored[i]!.location));
  }

  /**
   * One round trip. Nothing is written when some report was stored before ('stored before')
   * or the extension's guard refuses, its plan no longer holding ('refused').
   */
  private async storeFast(
    groupId: string,
    reports: readonly LocationReport[],
    verify: (existing: ReadonlyMap<number, Location>) => void,
    plan?: WritePlan | { statement: string; params: unknown[]; committed?: undefined },
  ): Promise<Stored | 'stored before' | 'refused'> {
    let rows: StoredRow[];
    try {
      rows = plan
        ? await this.sql.query<StoredRow>(
            this.extendedInserts.get(plan.statement)!,
            [...reportParams(groupId, reports, reports.length), ...plan.params],
            `gofindme_fast_insert_${plan.statement}`,
          )
        : await this.sql.query<StoredRow>(
            FAST_INSERT,
            reportParams(groupId, reports, reports.length),
            'gofindme_fast_insert',
          );
    } catch (error) {
      // A concurrent writer stored the same clientId after our snapshot was taken.
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return 'stored before';
      throw error;
    }
    if (rows.length !== reports.length || rows.some((row) => !row.fresh)) {
      const existing = existingOf(groupId, rows);
      verify(existing);
      return existing.size > 0 ? 'stored before' : 'refused';
    }
    const sorted = rows.sort((a, b) => Number(a.ord) - Number(b.ord));
    const stored = sorted.map((row) => ({
      fresh: true,
      location: fromReport(groupId, reports[Number(row.ord) - 1]!, row),
    }));
    const after = plan?.committed?.(
      stored.map((s) => s.location),
      sorted[0]!,
    );
    return { stored, deliveries: enqueuedBy(rows), after };
  }

  /**
   * Locks the group first, so the clientId check (and an extension) sees every earlier
   * writer: BEGIN, the lock and the extension's read in one round trip, the insert, the
   * extension's work (a statement only when it has something to store), COMMIT.
   */
  private storeSafely(
    groupId: string,
    reports: readonly LocationReport[],
    verify: (existing: ReadonlyMap<number, Location>) => void,
    extension?: WriteExtension,
  ): Promise<Stored> {
    const lock = `SELECT last_sequence::text AS last FROM groups WHERE id = '${groupId}' FOR UPDATE`;
    return this.sql.transaction(
      async (tx, [locked = [], read = []]) => {
        const [group] = locked;
        if (!group) throw notFound('This key’s group no longer exists');
        const rows = await tx.query<StoredRow>(
          SAFE_INSERT,
          reportParams(groupId, reports, String(group.last)),
          'gofindme_safe_insert',
        );
        verify(existingOf(groupId, rows)); // throwing rolls the transaction back
        // Fresh rows carry their rank among the new ones; map that back to the input position.
        const existingAt = new Set(rows.filter((r) => !r.fresh).map((r) => Number(r.ord) - 1));
        const freshPositions: number[] = [];
        for (let i = 0; i < reports.length; i++) if (!existingAt.has(i)) freshPositions.push(i);
        const out: StoredReport[] = new Array(reports.length);
        for (const row of rows) {
          const position = row.fresh ? freshPositions[Number(row.ord) - 1]! : Number(row.ord) - 1;
          out[position] = { fresh: row.fresh, location: toLocation(groupId, row) };
        }
        const created = out.filter((s) => s.fresh).map((s) => s.location);
        const after =
          extension && created.length > 0 ? await extension.run(tx, groupId, created, read) : undefined;
        return { stored: out, deliveries: enqueuedBy(rows), after };
      },
      extension ? `${lock}; ${extension.read(groupId, reports)}` : lock,
    );
  }
}

interface StoredReport {
  fresh: boolean;
  location: Location;
}

interface Stored {
  stored: StoredReport[];
  /** Webhook deliveries enqueued by the transaction. */
  deliveries: number;
  /** The extension's work after COMMIT. */
  after?: AfterCommitWork;
}

function takeBatch(pending: PendingWrite[]): PendingWrite[] {
  let rows = 0;
  let count = 0;
  while (count < pending.length) {
    const size = pending[count]!.reports.length;
    if (count > 0 && rows + size > MAX_ROWS_PER_TRANSACTION) break;
    rows += size;
    count++;
  }
  return pending.splice(0, count);
}

/** Rows already stored, by input position (their `ord` is the 1-based input position). */
function existingOf(groupId: string, rows: readonly StoredRow[]): Map<number, Location> {
  return new Map(rows.filter((r) => !r.fresh).map((r) => [Number(r.ord) - 1, toLocation(groupId, r)]));
}

interface StoredRow extends LocationRow {
  ord: string;
  fresh: boolean;
  deliveries: number;
}

function reportParams(groupId: string, reports: readonly LocationReport[], last: number | string): unknown[] {
  return [groupId, ...reportArrays(reports), last];
}

/** The parameter after the report arrays: the number of reports (fast path) or the group's last sequence (safe path). */
const LAST = `$${2 + REPORTED_COLUMNS.length}::bigint`;
const INPUT_COLUMNS = REPORTED_COLUMNS.join(', ');

const INPUT_AND_EXISTING = `
WITH input AS (
  SELECT * FROM ${reportUnnest(2)} WITH ORDINALITY AS t(${INPUT_COLUMNS}, ord)
),
existing AS (
  -- LATERAL + LIMIT keeps this an index probe per report, whatever the planner's statistics say.
  SELECT i.ord, l.* FROM input i
  CROSS JOIN LATERAL (
    SELECT * FROM locations l
    WHERE l.group_id = $1::uuid AND l.device_id = i.device_id AND l.client_id = i.client_id
    LIMIT 1
  ) l
  WHERE i.client_id IS NOT NULL
)`;

// One location.created delivery per new location and active webhook of the group whose device filter matches.
const OUTBOX = enqueueSql({
  eventType: eventTypeSql(EVENT_TYPES.locationCreated),
  from: 'inserted ins',
  deviceId: 'ins.device_id',
  body: eventBodySql(
    eventTypeSql(EVENT_TYPES.locationCreated),
    timestampSql('ins.received_at'),
    locationJsonSql('ins'),
  ),
  orderBy: 'ins.sequence',
});

const INSERT_COLUMNS = `group_id, sequence, ${INPUT_COLUMNS}`;

// LAST is the number of reports. If none of them is stored yet (and an extension's guard
// holds), advance the counter by that many (the UPDATE takes the group's row lock,
// waiting for earlier writers to commit), create new devices and insert everything. If
// one is stored, write nothing and return the stored rows: the caller then takes the
// safe path. If the guard fails, write nothing and return nothing.
export function fastInsertSql(extension?: StatementExtension): string {
  const p = 3 + REPORTED_COLUMNS.length; // the extension's first parameter
  const part = (f: 'guard' | 'set' | 'returning' | 'ctes') => (extension ? extension[f](p) : '');
  const columns = extension?.columns(p) ?? [];
  return `${INPUT_AND_EXISTING},
counter AS (
  UPDATE groups SET last_sequence = last_sequence + ${LAST}${part('set')}
  WHERE id = $1::uuid AND NOT EXISTS (SELECT 1 FROM existing)${extension ? ` AND ${part('guard')}` : ''}
  RETURNING last_sequence - ${LAST} AS base${part('returning')}
),
new_devices AS (
  INSERT INTO devices (group_id, device_id)
  SELECT DISTINCT $1::uuid, i.device_id FROM input i, counter
  ON CONFLICT (group_id, device_id) DO NOTHING
),
inserted AS (
  INSERT INTO locations (${INSERT_COLUMNS})
  SELECT $1::uuid, c.base + i.ord, ${REPORTED_COLUMNS.map((c) => `i.${c}`).join(', ')}
  FROM input i, counter c
  RETURNING *
),
${part('ctes')}${OUTBOX}
SELECT (ins.sequence - c.base)::text AS ord, true AS fresh, ${GENERATED_COLUMNS('ins')}, q.deliveries${columns.map((c) => `, ${c}`).join('')}
FROM inserted ins, counter c, enqueued q
UNION ALL
SELECT e.ord::text, false, ${LOCATION_COLUMNS('e')}, 0${columns.map(() => ', NULL').join('')} FROM existing e`;
}

const FAST_INSERT = fastInsertSql();

// Runs after the group's row is locked, so it sees every earlier writer. LAST is the
// group's last sequence: skip reports already stored, number the rest after it.
const SAFE_INSERT = `${INPUT_AND_EXISTING},
fresh AS (
  SELECT i.*, ${LAST} + row_number() OVER (ORDER BY i.ord) AS sequence FROM input i
  WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.ord = i.ord)
),
new_devices AS (
  INSERT INTO devices (group_id, device_id)
  SELECT DISTINCT $1::uuid, device_id FROM fresh
  ON CONFLICT (group_id, device_id) DO NOTHING
),
inserted AS (
  INSERT INTO locations (${INSERT_COLUMNS})
  SELECT $1::uuid, sequence, ${INPUT_COLUMNS}
  FROM fresh
  RETURNING *
),
counter AS (
  UPDATE groups SET last_sequence = ${LAST} + (SELECT count(*) FROM fresh) WHERE id = $1::uuid
),
${OUTBOX}
SELECT (ins.sequence - ${LAST})::text AS ord, true AS fresh, ${LOCATION_COLUMNS('ins')}, q.deliveries
FROM inserted ins, enqueued q
UNION ALL
SELECT e.ord::text, false, ${LOCATION_COLUMNS('e')}, 0 FROM existing e`;

/** Every fresh row carries the statement's delivery count; rows already stored carry 0. */
const enqueuedBy = (rows: readonly StoredRow[]) =>
  rows.reduce((most, row) => Math.max(most, row.deliveries), 0);
