// Reporting locations: validate, then store through the group's writer.
import type { Location } from './types.ts';
import { type LocationInput, LocationValidator } from './validation.ts';
import type { LocationWriter } from './writer.ts';

export class LocationService {
  private readonly validator: LocationValidator;

  constructor(
    private readonly writer: LocationWriter,
    options: { maxFutureSkewMs: number },
  ) {
    this.validator = new LocationValidator(options.maxFutureSkewMs);
  }

  /** Stores one report; resolves after COMMIT with the stored (or earlier, same clientId) location. */
  async report(groupId: string, input: LocationInput): Promise<Location> {
    const report = this.validator.one(input);
    const [location] = await this.writer.write(groupId, [report]);
    return location!;
  }

  /** Stores 1 to 1000 reports all or nothing; results are in input order. */
  async reportMany(groupId: string, inputs: readonly LocationInput[]): Promise<Location[]> {
    const reports = this.validator.many(inputs);
    return this.writer.write(groupId, reports);
  }
}
