// Reporting locations: validate, take each device's share of the rate limit, then store
// through the group's writer.
import type { RateLimits } from '../auth/rateLimits.ts';
import type { Location } from './types.ts';
import { type LocationInput, LocationValidator } from './validation.ts';
import type { LocationWriter } from './writer.ts';

/** Who reports: the key's group stores the locations, the key's budgets pay for them. */
export interface Caller {
  groupId: string;
  keyId: string;
}

export class LocationService {
  private readonly validator: LocationValidator;

  constructor(
    private readonly writer: LocationWriter,
    private readonly rateLimits: RateLimits,
    options: { maxFutureSkewMs: number },
  ) {
    this.validator = new LocationValidator(options.maxFutureSkewMs);
  }

  /** Stores one report; resolves after COMMIT with the stored (or earlier, same clientId) location. */
  async report(caller: Caller, input: LocationInput): Promise<Location> {
    const report = this.validator.one(input);
    await this.rateLimits.consumeDevices(caller.keyId, [report.deviceId]);
    const [location] = await this.writer.write(caller.groupId, [report]);
    return location!;
  }

  /** Stores 1 to 1000 reports all or nothing; results are in input order. */
  async reportMany(caller: Caller, inputs: readonly LocationInput[]): Promise<Location[]> {
    const reports = this.validator.many(inputs);
    await this.rateLimits.consumeDevices(
      caller.keyId,
      reports.map((report) => report.deviceId),
    );
    return this.writer.write(caller.groupId, reports);
  }
}
