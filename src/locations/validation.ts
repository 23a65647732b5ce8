// The one place where the rules for a location report live.
import { z } from 'zod';
import { InputError, type InputIssue } from '../errors.ts';
import type { LocationReport } from './types.ts';

export const MAX_BATCH_SIZE = 1000;
const EARLIEST_RECORDED_AT = Date.UTC(2000, 0, 1);

/** What a client sends; numbers may be missing, dates already parsed by the transport. */
export interface LocationInput {
  deviceId: string;
  latitude: number;
  longitude: number;
  accuracy?: number | null;
  altitude?: number | null;
  speed?: number | null;
  heading?: number | null;
  battery?: number | null;
  recordedAt: Date;
  clientId?: string | null;
}

/** A device id: 1 to 128 printable characters (no control, format, surrogate, private-use or unassigned). */
export const PRINTABLE_1_TO_128 = /^\P{C}{1,128}$/u;

export const NOT_PRINTABLE_1_TO_128 = 'must be 1 to 128 printable characters';

export const isDeviceId = (value: string) => PRINTABLE_1_TO_128.test(value);

/** For arguments naming a device: an id no report could have stored is the caller's mistake. */
export function deviceIdError(value: string, path: (string | number)[]): InputError | undefined {
  return isDeviceId(value) ? undefined : InputError.at(path, NOT_PRINTABLE_1_TO_128);
}

export function checkDeviceId(value: string, path: (string | number)[]): void {
  const error = deviceIdError(value, path);
  if (error) throw error;
}
const finite = () => z.number({ error: 'must be a number' }).finite('must be a finite number');

function schemaFor(maxFutureSkewMs: number) {
  return z.object({
    deviceId: z.string().regex(PRINTABLE_1_TO_128, NOT_PRINTABLE_1_TO_128),
    latitude: finite().min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90'),
    longitude: finite().min(-180, 'must be between -180 and 180').max(180, 'must be between -180 and 180'),
    accuracy: finite().min(0, 'must be 0 or more (metres)').nullish(),
    altitude: finite().nullish(),
    speed: finite().min(0, 'must be 0 or more (metres per second)').nullish(),
    heading: finite()
      .min(0, 'must be at least 0 and below 360')
      .lt(360, 'must be at least 0 and below 360')
      .nullish(),
    battery: finite()
      .min(0, 'must be between 0 and 100 (percent)')
      .max(100, 'must be between 0 and 100 (percent)')
      .nullish(),
    recordedAt: z
      .date({ error: 'must be a date-time' })
      .refine((date) => !Number.isNaN(date.getTime()), 'must be a valid date-time')
      .refine((date) => date.getTime() >= EARLIEST_RECORDED_AT, 'must not be before 2000-01-01')
      .refine(
        (date) => date.getTime() <= Date.now() + maxFutureSkewMs,
        `must not be more than ${Math.round(maxFutureSkewMs / 1000)} s in the future`,
      ),
    clientId: z.string().regex(PRINTABLE_1_TO_128, NOT_PRINTABLE_1_TO_128).nullish(),
  });
}

export class LocationValidator {
  private readonly schema: ReturnType<typeof schemaFor>;

  constructor(maxFutureSkewMs: number) {
    this.schema = schemaFor(maxFutureSkewMs);
  }

  /** Validates one report; issues are reported under `path` (e.g. ["input"]). */
  one(input: LocationInput, path: (string | number)[] = ['input']): LocationReport {
    const issues: InputIssue[] = [];
    const report = this.check(input, path, issues);
    if (!report) throw new InputError(issues);
    return report;
  }

  /** Validates a batch: every invalid field of every item is reported, with its index. */
  many(inputs: readonly LocationInput[], path: (string | number)[] = ['input']): LocationReport[] {
    if (inputs.length === 0 || inputs.length > MAX_BATCH_SIZE) {
      throw InputError.at(path, `must contain 1 to ${MAX_BATCH_SIZE} locations, got ${inputs.length}`);
    }
    const issues: InputIssue[] = [];
    const reports: LocationReport[] = [];
    inputs.forEach((input, index) => {
      const report = this.check(input, [...path, index], issues);
      if (report) reports.push(report);
    });
    if (issues.length > 0) throw new InputError(issues);
    return reports;
  }

  private check(
    input: LocationInput,
    path: (string | number)[],
    issues: InputIssue[],
  ): LocationReport | undefined {
    const parsed = this.schema.safeParse(input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        issues.push({
          path: [...path, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
          message: issue.message,
        });
      }
      return undefined;
    }
    const v = parsed.data;
    return {
      deviceId: v.deviceId,
      latitude: v.latitude,
      longitude: v.longitude,
      accuracy: v.accuracy ?? null,
      altitude: v.altitude ?? null,
      speed: v.speed ?? null,
      heading: v.heading ?? null,
      battery: v.battery ?? null,
      recordedAt: v.recordedAt,
      clientId: v.clientId ?? null,
    };
  }
}
