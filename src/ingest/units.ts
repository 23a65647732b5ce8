// The units tracking apps send, turned into ours (WGS 84 degrees, metres, m/s, degrees
// clockwise from north, battery percent, UTC instants). Each conversion names the apps
// that send that unit; see README "Use an existing app" for the sources.

/** A fix's field that cannot be read: the reason names the app's own field. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'FieldError';
  }
}

/** 1 knot = 1852 m per hour. OsmAnd protocol `speed` (Traccar's decoder), Traccar Client. */
export const knotsToMps = (knots: number) => (knots * 1852) / 3600;

/** OwnTracks `vel` (km/h). */
export const kmhToMps = (kmh: number) => kmh / 3.6;

/** A 0–1 fraction as percent: Overland `battery_level`, Traccar Client JSON `battery.level`. */
export const fractionToPercent = (fraction: number) => Math.round(fraction * 10_000) / 100;

/**
 * "Unknown" written as a negative number (−1 in Overland and background-geolocation for
 * speed, course, accuracy and battery): no value, not a wrong one.
 */
export const knownOrNull = (value: number | null) => (value === null || value < 0 ? null : value);

/** A heading in [0, 360): some apps send 360 for north. */
export const headingOrNull = (value: number | null) => (value === null || value < 0 ? null : value % 360);

/**
 * A number from JSON or a text field. Dot decimals only: "52,51" is refused rather than
 * misread (Traccar's decoder refuses it too); a missing or empty value is null.
 */
export function numberOrNull(value: unknown, field: string): number | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new FieldError(field, 'must be a finite number');
    return value;
  }
  if (typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) {
    return Number(value);
  }
  throw new FieldError(field, `must be a number with a dot as decimal mark, got ${JSON.stringify(value)}`);
}

export function requiredNumber(value: unknown, field: string): number {
  const number = numberOrNull(value, field);
  if (number === null) throw new FieldError(field, 'is required');
  return number;
}

/** Unix time in seconds below this, milliseconds above (Traccar's rule: 2^31 − 1 seconds is in 2038). */
const SECONDS_LIMIT = 2 ** 31 - 1;

/**
 * A fix's time: epoch seconds or milliseconds (told apart by magnitude), or ISO 8601 with
 * a zone (`Z` or an offset). A time without a zone is refused rather than guessed.
 */
export function parseTime(value: unknown, field: string): Date {
  if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value))) {
    const number = Number(value);
    const date = new Date(number < SECONDS_LIMIT ? number * 1000 : number);
    if (Number.isNaN(date.getTime())) throw new FieldError(field, 'is not a valid time');
    return date;
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/i.test(text)) {
      throw new FieldError(
        field,
        `must be Unix seconds or milliseconds, or ISO 8601 with a time zone (Z or +hh:mm), got ${JSON.stringify(value.slice(0, 40))}`,
      );
    }
    // Date.parse takes "+hhmm" and "+hh" offsets only in their long form.
    const normalised = text
      .replace(' ', 'T')
      .replace(/([+-]\d{2})(\d{2})$/, '$1:$2')
      .replace(/([+-]\d{2})$/, '$1:00');
    const date = new Date(normalised);
    if (Number.isNaN(date.getTime())) throw new FieldError(field, 'is not a valid time');
    return date;
  }
  throw new FieldError(field, value === undefined || value === null ? 'is required' : 'is not a time');
}

/** A text identifier from a payload (device ids): trimmed, or null when missing or empty. */
export function textOrNull(value: unknown): string | null {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  return text === '' ? null : text;
}
