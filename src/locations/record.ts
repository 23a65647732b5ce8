// The location record, declared once. Each field says its name, column, SQL type,
// nullability, unit and, for what a client reports, the rule it must meet. Everything that
// reads, writes or sends a location is derived from this table: the select list and the
// row converter, the insert's columns and parameters, the wire format between instances,
// the webhook body (rendered by PostgreSQL), the GraphQL type and input, validation, and
// the comparison of a retry with what is stored.
//
// Adding a field: declare it here, add its column to prisma/schema.prisma and a migration
// (`npm run migration:new`). Nothing else needs to change.
import { cursorSql, locationIdToken, streamCursor } from '../cursors.ts';
import { unnestParams } from '../db/sql.ts';

type SqlType = 'text' | 'float8' | 'timestamptz' | 'int8';

interface FieldSpec {
  /** The name in TypeScript, GraphQL and JSON. */
  name: string;
  column: string;
  sqlType: SqlType;
  nullable: boolean;
  /** Sent by the client in a report (else set by the server). */
  reported: boolean;
  /** The GraphQL description of the field on `Location`. */
  description?: string;
  /** The GraphQL description of the field on `LocationInput`. */
  inputDescription?: string;
  /** For reported numbers: the allowed range, and what to say when a value is outside it. */
  range?: { min: number; max?: number; maxExclusive?: number; message: string };
}

export const LOCATION_FIELDS = [
  { name: 'sequence', column: 'sequence', sqlType: 'int8', nullable: false, reported: false },
  {
    name: 'deviceId',
    column: 'device_id',
    sqlType: 'text',
    nullable: false,
    reported: true,
    inputDescription: 'Your identifier for the device: 1 to 128 printable characters.',
  },
  {
    name: 'latitude',
    column: 'latitude',
    sqlType: 'float8',
    nullable: false,
    reported: true,
    description: 'WGS 84 degrees, -90 to 90.',
    range: { min: -90, max: 90, message: 'must be between -90 and 90' },
  },
  {
    name: 'longitude',
    column: 'longitude',
    sqlType: 'float8',
    nullable: false,
    reported: true,
    description: 'WGS 84 degrees, -180 to 180.',
    range: { min: -180, max: 180, message: 'must be between -180 and 180' },
  },
  {
    name: 'accuracy',
    column: 'accuracy',
    sqlType: 'float8',
    nullable: true,
    reported: true,
    description: 'Horizontal accuracy radius in metres.',
    range: { min: 0, message: 'must be 0 or more (metres)' },
  },
  {
    name: 'altitude',
    column: 'altitude',
    sqlType: 'float8',
    nullable: true,
    reported: true,
    description: 'Metres above the WGS 84 ellipsoid.',
  },
  {
    name: 'speed',
    column: 'speed',
    sqlType: 'float8',
    nullable: true,
    reported: true,
    description: 'Metres per second.',
    range: { min: 0, message: 'must be 0 or more (metres per second)' },
  },
  {
    name: 'heading',
    column: 'heading',
    sqlType: 'float8',
    nullable: true,
    reported: true,
    description: 'Degrees clockwise from true north, 0 to <360.',
    range: { min: 0, maxExclusive: 360, message: 'must be at least 0 and below 360' },
  },
  {
    name: 'battery',
    column: 'battery',
    sqlType: 'float8',
    nullable: true,
    reported: true,
    description: 'Battery level in percent, 0 to 100.',
    range: { min: 0, max: 100, message: 'must be between 0 and 100 (percent)' },
  },
  {
    name: 'recordedAt',
    column: 'recorded_at',
    sqlType: 'timestamptz',
    nullable: false,
    reported: true,
    description: 'When the device took the fix (device clock).',
  },
  {
    name: 'receivedAt',
    column: 'received_at',
    sqlType: 'timestamptz',
    nullable: false,
    reported: false,
    description: 'When the server stored it.',
  },
  {
    name: 'clientId',
    column: 'client_id',
    sqlType: 'text',
    nullable: true,
    reported: true,
    description: 'The idempotency key sent with the report.',
    inputDescription:
      'Idempotency key, unique per device (up to 128 characters). A retry with the same key returns the stored location and stores nothing new.',
  },
] as const satisfies readonly FieldSpec[];

type Field = (typeof LOCATION_FIELDS)[number];
type ReportedField = Extract<Field, { reported: true }>;
type TsType<T extends SqlType> = T extends 'text'
  ? string
  : T extends 'float8'
    ? number
    : T extends 'timestamptz'
      ? Date
      : bigint;
type ValueOf<F extends Field> = F['nullable'] extends true
  ? TsType<F['sqlType']> | null
  : TsType<F['sqlType']>;

/** A report that passed validation. */
export type LocationReport = { [F in ReportedField as F['name']]: ValueOf<F> };

/** A stored location: the report, its group, its per-group `sequence` and `receivedAt`. */
export type Location = { groupId: string } & { [F in Field as F['name']]: ValueOf<F> };

export type LocationFieldName = Field['name'];
export const REPORTED_FIELDS: readonly ReportedField[] = LOCATION_FIELDS.filter(
  (f): f is ReportedField => f.reported,
);

/** A locations row as raw SQL returns it (select it with LOCATION_COLUMNS). */
export type LocationRow = Record<string, unknown> & { device_id: string; sequence: string };

/** The select list for a LocationRow from table alias `alias` (bigints as text, to keep precision). */
export const LOCATION_COLUMNS = (alias: string) =>
  LOCATION_FIELDS.map((f) =>
    f.sqlType === 'int8' ? `${alias}.${f.column}::text AS ${f.column}` : `${alias}.${f.column}`,
  ).join(', ');

export function toLocation(groupId: string, row: LocationRow): Location {
  const location: Record<string, unknown> = { groupId };
  for (const f of LOCATION_FIELDS) {
    const value = row[f.column];
    location[f.name] = f.sqlType === 'int8' && value != null ? BigInt(value as string) : value;
  }
  return location as Location;
}

/**
 * The select list of a new row whose report is at hand: only what the database set
 * (`sequence`, `received_at`); the reported columns are NULL, since `fromReport` takes
 * them from the report (parsing 100 rows' worth of columns back is most of a batch's
 * result).
 */
export const GENERATED_COLUMNS = (alias: string) =>
  LOCATION_FIELDS.map((f) =>
    f.reported
      ? `NULL::${f.sqlType} AS ${f.column}`
      : f.sqlType === 'int8'
        ? `${alias}.${f.column}::text AS ${f.column}`
        : `${alias}.${f.column}`,
  ).join(', ');

/** A new location: its report, and the columns the database set (selected with GENERATED_COLUMNS). */
export function fromReport(groupId: string, report: LocationReport, row: LocationRow): Location {
  const location: Record<string, unknown> = { groupId };
  for (const f of LOCATION_FIELDS) {
    location[f.name] = f.reported
      ? report[f.name as keyof LocationReport]
      : f.sqlType === 'int8'
        ? BigInt(row[f.column] as string)
        : row[f.column];
  }
  return location as Location;
}

/** The reported columns, in order: for INSERT column lists and `unnest` inputs. */
export const REPORTED_COLUMNS = REPORTED_FIELDS.map((f) => f.column);

/** `unnest(…)` over the reported columns from `$firstParam` on, as arrays from `reportArrays` (see unnestParams). */
export const reportUnnest = (firstParam: number) =>
  unnestParams(firstParam, ...REPORTED_FIELDS.map((f) => f.sqlType));

/** One array per reported column, in REPORTED_FIELDS order (dates as ISO text). */
export function reportArrays(reports: readonly LocationReport[]): unknown[][] {
  return REPORTED_FIELDS.map((f) =>
    reports.map((r) => {
      const value = r[f.name];
      return value instanceof Date ? value.toISOString() : value;
    }),
  );
}

/** Whether a report is the same fix as a stored location: a faithful retry of it. */
export function sameFix(stored: LocationReport, report: LocationReport): boolean {
  for (const f of REPORTED_FIELDS) {
    const a = stored[f.name];
    const b = report[f.name];
    if (a instanceof Date && b instanceof Date ? a.getTime() !== b.getTime() : a !== b) return false;
  }
  return true;
}

/** A location as it travels between instances: JSON only, so bigints and dates become strings. */
export type WireLocation = Record<string, string | number | null>;

export function toWire(location: Location): WireLocation {
  const wire: WireLocation = {};
  for (const f of LOCATION_FIELDS) {
    const value = location[f.name];
    wire[f.name] =
      value instanceof Date ? value.toISOString() : typeof value === 'bigint' ? String(value) : value;
  }
  return wire;
}

export function fromWire(groupId: string, wire: WireLocation): Location {
  const location: Record<string, unknown> = { groupId };
  for (const f of LOCATION_FIELDS) {
    const value = wire[f.name];
    location[f.name] =
      value == null
        ? null
        : f.sqlType === 'timestamptz'
          ? new Date(value as string)
          : f.sqlType === 'int8'
            ? BigInt(value as string)
            : value;
  }
  return location as Location;
}

/** ISO 8601 in UTC with milliseconds, like Date.toISOString(), in SQL. */
const isoSql = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A compact JSON object from [key, SQL expression] pairs; `raw` values are already JSON. */
export function jsonObjectSql(fields: [string, string, 'raw'?][]): string {
  return fields
    .map(([key, expression, raw], i) => {
      const value = raw ? expression : `coalesce(to_json(${expression})::text, 'null')`;
      return `'${i === 0 ? '{' : ','}"${key}":' || ${value}`;
    })
    .concat(`'}'`)
    .join(' || ');
}

/**
 * The JSON of a locations row aliased `l`, rendered by PostgreSQL exactly as the API shows
 * the location (`id` and `cursor` are the same tokens, times ISO 8601 with milliseconds),
 * plus its `sequence`: what webhooks carry as `data`.
 */
export const locationJsonSql = (l: string) =>
  jsonObjectSql([
    ['id', cursorSql(locationIdToken, `${l}.group_id::text`, `${l}.sequence::text`)],
    ['cursor', cursorSql(streamCursor, `${l}.sequence::text`)],
    ...LOCATION_FIELDS.map((f): [string, string] => [
      f.name,
      f.sqlType === 'timestamptz' ? isoSql(`${l}.${f.column}`) : `${l}.${f.column}`,
    ]),
  ]);

/** ISO time of a timestamptz column in SQL, as the API shows it. */
export const timestampSql = isoSql;
