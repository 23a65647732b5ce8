// The one place where the rules for a location report are applied. The rules themselves
// are declared with each field in record.ts: numbers finite and within their range, texts
// 1 to 128 printable characters, times valid and neither before 2000 nor too far ahead.
import { type ZodType, z } from 'zod';
import { InputError, type InputIssue } from '../errors.ts';
import { NOT_PRINTABLE_1_TO_128, PRINTABLE_1_TO_128 } from '../ids.ts';
import { type LocationReport, REPORTED_FIELDS } from './record.ts';

export const MAX_BATCH_SIZE = 1000;
const EARLIEST_RECORDED_AT = Date.UTC(2000, 0, 1);

type OptionalField = {
  [K in keyof LocationReport]: null extends LocationReport[K] ? K : never;
}[keyof LocationReport];

/** What a client sends: optional fields may be missing, dates are already parsed by the transport. */
export type LocationInput = Omit<LocationReport, OptionalField> & {
  [K in OptionalField]?: LocationReport[K] | undefined;
};

const finite = () => z.number({ error: 'must be a number' }).finite('must be a finite number');

function ruleFor(field: (typeof REPORTED_FIELDS)[number], maxFutureSkewMs: number): ZodType {
  let rule: ZodType;
  if (field.sqlType === 'float8') {
    let number = finite();
    if ('range' in field) {
      const range = field.range as { min: number; max?: number; maxExclusive?: number; message: string };
      number = number.min(range.min, range.message);
      if (range.max !== undefined) number = number.max(range.max, range.message);
      if (range.maxExclusive !== undefined) number = number.lt(range.maxExclusive, range.message);
    }
    rule = number;
  } else if (field.sqlType === 'timestamptz') {
    rule = z
      .date({ error: 'must be a date-time' })
      .refine((date) => !Number.isNaN(date.getTime()), 'must be a valid date-time')
      .refine((date) => date.getTime() >= EARLIEST_RECORDED_AT, 'must not be before 2000-01-01')
      .refine(
        (date) => date.getTime() <= Date.now() + maxFutureSkewMs,
        `must not be more than ${Math.round(maxFutureSkewMs / 1000)} s in the future`,
      );
  } else {
    rule = z.string().regex(PRINTABLE_1_TO_128, NOT_PRINTABLE_1_TO_128);
  }
  return field.nullable ? rule.nullish() : rule;
}

function schemaFor(maxFutureSkewMs: number) {
  return z.object(Object.fromEntries(REPORTED_FIELDS.map((f) => [f.name, ruleFor(f, maxFutureSkewMs)])));
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
    // Every field present: missing optional ones are null.
    const report: Record<string, unknown> = {};
    for (const f of REPORTED_FIELDS) report[f.name] = parsed.data[f.name] ?? null;
    return report as LocationReport;
  }
}
