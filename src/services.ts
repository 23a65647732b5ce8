// Builds the domain services once per process from their dependencies.
import { ApiKeyService } from './auth/apiKeys.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { GroupService } from './groups/service.ts';
import { LocationHistory } from './locations/history.ts';
import { LocationService } from './locations/service.ts';
import { LocationWriter } from './locations/writer.ts';
import type { Logger } from './observability/logger.ts';

export interface Services {
  apiKeys: ApiKeyService;
  groups: GroupService;
  locations: LocationService;
  history: LocationHistory;
}

export function createServices(db: Database, config: Pick<Config, 'locations'>, logger: Logger): Services {
  return {
    apiKeys: new ApiKeyService(db.prisma, {
      onBackgroundError: (error) => logger.warn({ err: error }, 'could not record key use'),
    }),
    groups: new GroupService(db.prisma),
    locations: new LocationService(new LocationWriter(db.sql), config.locations),
    history: new LocationHistory(db.prisma, db.sql),
  };
}
