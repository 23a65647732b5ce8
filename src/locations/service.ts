// Reporting locations: validate, take each device's share of the rate limit, then store
// through the group's writer.
import type { RateLimits } from '../auth/rateLimits.ts';
import { locationId } from '../cursors.ts';
import { AppError, formatPath } from '../errors.ts';
import type { Location } from './record.ts';
import { type LocationInput, LocationValidator } from './validation.ts';
import { ClientIdReused, type LocationWriter } from './writer.ts';

/** Who reports: the key's group stores the locations, the key's budgets pay for them. */
export interface Caller {
  groupId: string;
  keyId: string;
}

/** How reports arrive: the GraphQL API, or a tracking app's own protocol (src/ingest). */
export type ReportSource = 'graphql' | 'owntracks' | 'osmand' | 'overland';

export class LocationService {
  private readonly validator: LocationValidator;

  constructor(
    private readonly writer: LocationWriter,
    private readonly rateLimits: RateLimits,
    options: { maxFutureSkewMs: number },
    /** Counts the fixes each source had accepted (metrics). */
    private readonly onAccepted: (source: ReportSource, count: number) => void = () => {},
  ) {
    this.validator = new LocationValidator(options.maxFutureSkewMs);
  }

  /** Stores one report; resolves after COMMIT with the stored (or earlier, same clientId) location. */
  async report(caller: Caller, input: LocationInput): Promise<Location> {
    const report = this.validator.one(input);
    await this.rateLimits.consumeDevices(caller.keyId, [report.deviceId]);
    const [location] = await this.writer.write(caller.groupId, [report]).catch(refuseReused(() => ['input']));
    this.onAccepted('graphql', 1);
    return location!;
  }

  /** Stores 1 to 1000 reports all or nothing; results are in input order. */
  async reportMany(
    caller: Caller,
    inputs: readonly LocationInput[],
    source: ReportSource = 'graphql',
  ): Promise<Location[]> {
    const reports = this.validator.many(inputs);
    await this.rateLimits.consumeDevices(
      caller.keyId,
      reports.map((report) => report.deviceId),
    );
    const stored = await this.writer
      .write(caller.groupId, reports)
      .catch(refuseReused((index) => ['input', index]));
    this.onAccepted(source, stored.length);
    return stored;
  }
}

/**
 * A clientId sent again with a different fix: IDEMPOTENCY_KEY_REUSED (HTTP 409), naming
 * each such report and the location stored under its clientId (Stripe's rule for
 * idempotency keys). Nothing of the call was stored.
 */
function refuseReused(pathOf: (index: number) => (string | number)[]) {
  return (error: unknown): never => {
    if (!(error instanceof ClientIdReused)) throw error;
    const conflicts = error.items.map(({ index, stored }) => ({
      field: formatPath([...pathOf(index), 'clientId']),
      path: [...pathOf(index), 'clientId'],
      locationId: stored ? locationId(stored) : null,
    }));
    const first = conflicts[0]!;
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      first.locationId
        ? `${first.field}: this device already stored a different fix under this clientId (location ${first.locationId}); a retry must send the same fix, a new fix needs a new clientId. Nothing was stored.`
        : `${first.field}: this call uses the clientId twice for different fixes. Nothing was stored.`,
      { details: { locationId: first.locationId, conflicts } },
    );
  };
}
