// Builds the domain services once per process from their dependencies.
import { ApiKeyService } from './auth/apiKeys.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { GroupService } from './groups/service.ts';
import { LiveLocations } from './live/liveLocations.ts';
import { LocationHistory } from './locations/history.ts';
import { LocationService } from './locations/service.ts';
import { LocationWriter } from './locations/writer.ts';
import type { Logger } from './observability/logger.ts';
import type { PubSub } from './pubsub/pubsub.ts';

export interface Services {
  live: LiveLocations;
  apiKeys: ApiKeyService;
  groups: GroupService;
  locations: LocationService;
  history: LocationHistory;
}

export function createServices(
  db: Database,
  pubsub: PubSub,
  config: Pick<Config, 'locations' | 'live'>,
  logger: Logger,
): Services {
  const apiKeys = new ApiKeyService(db.prisma, {
    onBackgroundError: (error) => logger.warn({ err: error }, 'could not record key use'),
  });
  const live = new LiveLocations(db.sql, pubsub, {
    maxBuffered: config.live.bufferLimit,
    isKeyActive: (keyIds) => apiKeys.activeAmong(keyIds),
    onError: (error) => logger.warn({ err: error }, 'live updates: background error'),
  });
  return {
    live,
    apiKeys,
    groups: new GroupService(db.prisma),
    locations: new LocationService(
      new LocationWriter(db.sql, (groupId, created) => live.publish(groupId, created)),
      config.locations,
    ),
    history: new LocationHistory(db.prisma, db.sql),
  };
}
