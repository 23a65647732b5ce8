// npm run simulate: devices moving around a center, each reporting a fix every interval
// through the client (batches, clientIds, the offline queue). Prints progress; Ctrl-C or
// SIGTERM sends what is pending (for a few seconds at most) and exits 0.
import { parseArgs } from 'node:util';
import { fileStorage } from '../client/fileStorage.ts';
import { graphql } from '../client/gql/index.ts';
import { createGoFindMeClient, type GoFindMeClient, GoFindMeError } from '../client/index.ts';
import { parseDuration } from '../config.ts';
import { type AppProtocol, createAppReporter } from './apps.ts';
import { ensureSimulatedAreas } from './geofences.ts';
import { advance, type Center, createDevice, metresBetween, type SimulatedDevice } from './movement.ts';

const Viewer = graphql(`
  query SimulatorViewer {
    viewer {
      name
      scopes
      group {
        name
      }
    }
  }
`);

const USAGE = `Usage: GOFINDME_KEY=<key> npm run simulate -- [options]
  --key <key>          an API key with the locations:write scope (required, unless in
                       GOFINDME_KEY: a key on the command line shows in ps)
  --url <url>          the GraphQL endpoint (default http://localhost:4000/graphql)
  --devices <n>        how many devices (default 20)
  --interval <time>    how often each device reports: 500ms, 1s, 1m… (default 1s)
  --center <lat,lon>   where the devices start (default 52.52,13.405)
  --prefix <text>      device ids are <prefix>-01, <prefix>-02, … (default sim); a device
                       that reported before continues from where it was
  --queue-file <path>  keep fixes not sent yet in this file, for the next run (default: memory)
  --progress <time>    how often to print progress (default 5s)
  --protocol <name>    how to report: graphql (the client, default), or as an app does:
                       owntracks, osmand (Traccar Client) or overland
  --geofences <n>      first create n geofences ("Simulated area 1"…) around the center, if
                       missing, so that devices enter and leave them (0 to 50, default 0;
                       the key also needs geofences:manage)`;

const PROTOCOLS = ['graphql', 'owntracks', 'osmand', 'overland'] as const;
type Protocol = (typeof PROTOCOLS)[number];

/** How long a stop waits for pending fixes to be sent. */
const STOP_DEADLINE_MS = 5000;

interface Settings {
  key: string;
  url: string;
  devices: number;
  intervalMs: number;
  center: Center;
  prefix: string;
  queueFile: string | undefined;
  progressMs: number;
  protocol: Protocol;
  geofences: number;
}

class UsageError extends Error {}

function parseSettings(args: string[]): Settings {
  const { values } = parseArgs({
    args,
    options: {
      key: { type: 'string' },
      url: { type: 'string', default: 'http://localhost:4000/graphql' },
      devices: { type: 'string', default: '20' },
      interval: { type: 'string', default: '1s' },
      center: { type: 'string', default: '52.52,13.405' },
      prefix: { type: 'string', default: 'sim' },
      'queue-file': { type: 'string' },
      progress: { type: 'string', default: '5s' },
      protocol: { type: 'string', default: 'graphql' },
      geofences: { type: 'string', default: '0' },
    },
  });
  const key = values.key ?? process.env.GOFINDME_KEY;
  if (!key) throw new UsageError('A key is required: GOFINDME_KEY=<key>, or --key <key>');
  if (!(PROTOCOLS as readonly string[]).includes(values.protocol)) {
    throw new UsageError(`--protocol must be one of ${PROTOCOLS.join(', ')}, got "${values.protocol}"`);
  }
  const devices = Number(values.devices);
  if (!Number.isInteger(devices) || devices < 1 || devices > 10_000) {
    throw new UsageError(`--devices must be a whole number from 1 to 10000, got "${values.devices}"`);
  }
  const geofences = Number(values.geofences);
  if (!Number.isInteger(geofences) || geofences < 0 || geofences > 50) {
    throw new UsageError(`--geofences must be a whole number from 0 to 50, got "${values.geofences}"`);
  }
  const [latitude, longitude] = values.center.split(',').map(Number);
  if (!(Math.abs(latitude ?? Number.NaN) <= 90 && Math.abs(longitude ?? Number.NaN) <= 180)) {
    throw new UsageError(`--center must be <latitude>,<longitude> in degrees, got "${values.center}"`);
  }
  return {
    key,
    url: values.url,
    devices,
    intervalMs: duration('--interval', values.interval, 100),
    center: { latitude: latitude!, longitude: longitude! },
    prefix: values.prefix,
    queueFile: values['queue-file'],
    progressMs: duration('--progress', values.progress, 100),
    protocol: values.protocol as Protocol,
    geofences,
  };
}

/** What sends the fixes: the client (GraphQL), or a tracking app's protocol. */
interface Reporter {
  report(fix: ReturnType<typeof advance>): void;
  readonly pending: number;
  flush(): Promise<void>;
  close(): Promise<void>;
}

function duration(option: string, text: string, minimumMs: number): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < minimumMs) {
    throw new UsageError(
      `${option} must be a duration of at least ${minimumMs}ms (500ms, 1s, 1m…), got "${text}"`,
    );
  }
  return ms;
}

function exit(code: number, message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/**
 * Checks the URL and the key before any device moves, with a message saying what is
 * wrong. Returns who the key is, and whether it may read where devices were.
 */
async function checkKey(
  client: GoFindMeClient,
  settings: Settings,
): Promise<{ who: string; canRead: boolean }> {
  const { url } = settings;
  try {
    const { viewer } = await client.request(Viewer);
    if (!viewer.scopes.includes('LOCATIONS_WRITE')) {
      exit(1, `The key "${viewer.name}" lacks the locations:write scope.`);
    }
    if (settings.geofences > 0 && !viewer.scopes.includes('GEOFENCES_MANAGE')) {
      exit(1, `The key "${viewer.name}" lacks the geofences:manage scope that --geofences needs.`);
    }
    return {
      who: `"${viewer.name}" of group ${viewer.group.name}`,
      canRead: viewer.scopes.includes('LOCATIONS_READ'),
    };
  } catch (error) {
    if (!(error instanceof GoFindMeError)) throw error;
    if (error.code === 'NETWORK_ERROR') exit(1, `Cannot reach the server at ${url}: ${error.message}`);
    if (error.code === 'UNAUTHENTICATED')
      exit(1, `The server refused the key (UNAUTHENTICATED): ${error.message}`);
    exit(1, `${url} does not answer like a GoFindMe server: ${error.code}: ${error.message}`);
  }
}

async function main(): Promise<void> {
  let settings: Settings;
  try {
    settings = parseSettings(process.argv.slice(2));
  } catch (error) {
    exit(2, `${(error as Error).message}\n\n${USAGE}`);
  }
  // Listening for SIGTERM/SIGINT before anything is printed: a signal that arrives the moment
  // a line says what runs must stop it cleanly, not kill it. Until the devices move there is
  // nothing to send (a queue file keeps what it holds for the next run).
  let stop = async (): Promise<void> => {
    process.stdout.write('Stopped.\n');
    process.exit(0);
  };
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    void stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const counts = { made: 0, stored: 0, errors: 0 };
  let lastError: string | undefined;
  let client: GoFindMeClient;
  try {
    client = createGoFindMeClient({
      url: settings.url,
      apiKey: settings.key,
      storage: settings.queueFile ? fileStorage(settings.queueFile) : undefined,
      onStored: (locations) => {
        counts.stored += locations.length;
      },
      onRejected: (fixes, error) => {
        counts.errors += fixes.length;
        lastError = `${fixes.length} fixes refused: ${error.message}`;
      },
      onSendError: (error) => {
        if (!error.retryable)
          exit(1, `Stopped: the server refuses the reports (${error.code}): ${error.message}`);
        counts.errors++;
        lastError = `${error.code}: ${error.message}`;
      },
    });
  } catch (error) {
    exit(2, `${(error as Error).message}\n\n${USAGE}`);
  }

  const { who, canRead } = await checkKey(client, settings);
  if (settings.geofences > 0) {
    const created = await ensureSimulatedAreas(client, settings.center, settings.geofences).catch(
      (error: Error) => exit(1, `Cannot create the geofences: ${error.message}`),
    );
    process.stdout.write(
      `Geofences: ${settings.geofences} simulated areas around the center (${created} created, ${settings.geofences - created} already there).\n`,
    );
  }
  const reporter: Reporter =
    settings.protocol === 'graphql'
      ? {
          report: (fix) => {
            client.report(fix).catch((error: Error) => exit(1, `Cannot queue a fix: ${error.message}`));
          },
          get pending() {
            return client.pending;
          },
          flush: () => client.flush(),
          close: () => client.close(),
        }
      : appReporter(settings, settings.protocol, counts, (error) => {
          lastError = error;
        });
  const started = Date.now();
  const progress = () => {
    const seconds = Math.round((Date.now() - started) / 1000);
    const line = `[${seconds}s] made ${counts.made} fixes, stored ${counts.stored}, pending ${reporter.pending}, errors ${counts.errors}`;
    process.stdout.write(`${lastError ? `${line} (last error: ${lastError})` : line}\n`);
    lastError = undefined;
  };

  // sim-01 … sim-99, sim-001 … when there are more.
  const width = Math.max(2, String(settings.devices).length);
  const devices = Array.from({ length: settings.devices }, (_, i) =>
    createDevice(`${settings.prefix}-${String(i + 1).padStart(width, '0')}`, settings.center),
  );
  // Devices that reported before go on from where they were, so that a map does not draw a
  // jump from their old position to a new random one.
  const resumed = canRead ? await resumePositions(client, devices, settings.center).catch(() => 0) : 0;
  if (resumed > 0) process.stdout.write(`${resumed} devices go on from where they last reported.\n`);
  const tick = () => {
    for (const device of devices) {
      counts.made++;
      reporter.report(advance(device, settings.center, settings.intervalMs / 1000));
    }
  };
  process.stdout.write(
    `Simulating ${devices.length} devices around ${settings.center.latitude},${settings.center.longitude}, ` +
      `each reporting every ${settings.intervalMs / 1000}s ${settings.protocol === 'graphql' ? `to ${settings.url}` : `as ${settings.protocol} does, to ${baseUrl(settings.url)}/ingest/${settings.protocol}`} as ${who}. Ctrl-C stops.\n`,
  );
  tick();
  const ticker = setInterval(tick, settings.intervalMs);
  const progressTimer = setInterval(progress, settings.progressMs);

  stop = async () => {
    clearInterval(ticker);
    clearInterval(progressTimer);
    if (reporter.pending > 0) {
      process.stdout.write(
        `Stopping: sending ${reporter.pending} pending fixes (for ${STOP_DEADLINE_MS / 1000}s at most)…\n`,
      );
    }
    await Promise.race([
      reporter.flush().catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, STOP_DEADLINE_MS)),
    ]);
    const unsent = reporter.pending;
    await reporter.close();
    if (settings.protocol !== 'graphql') await client.close();
    progress();
    if (unsent > 0) {
      const kept = settings.queueFile ? `; they are kept in ${settings.queueFile} for the next run` : '';
      process.stdout.write(`${unsent} fixes were not sent${kept}.\n`);
    }
    process.stdout.write('Stopped.\n');
    process.exit(0);
  };
}

const LastPositions = graphql(`
  query SimulatorLastPositions($after: String) {
    devices(first: 1000, after: $after) {
      edges {
        node {
          deviceId
          lastLocation {
            latitude
            longitude
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/** Moves devices that reported before (within 10 km of the center) to their last position; returns how many. */
async function resumePositions(
  client: GoFindMeClient,
  devices: SimulatedDevice[],
  center: Center,
): Promise<number> {
  const byId = new Map(devices.map((device) => [device.deviceId, device]));
  let resumed = 0;
  let after: string | null | undefined;
  do {
    const { devices: page } = await client.request(LastPositions, { after });
    for (const { node } of page.edges) {
      const device = byId.get(node.deviceId);
      const last = node.lastLocation;
      if (!device || !last || metresBetween(last, center) > 10_000) continue;
      device.latitude = last.latitude;
      device.longitude = last.longitude;
      resumed++;
    }
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : undefined;
  } while (after);
  return resumed;
}

/** The server's base URL from its GraphQL endpoint. */
const baseUrl = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql\/?$/, '').replace(/\/$/, '');

function appReporter(
  settings: Settings,
  protocol: AppProtocol,
  counts: { stored: number; errors: number },
  onError: (message: string) => void,
): Reporter {
  const reporter = createAppReporter(protocol, {
    baseUrl: baseUrl(settings.url),
    key: settings.key,
    onStored: (count) => {
      counts.stored += count;
    },
    onRejected: (count, reason) => {
      counts.errors += count;
      onError(`${count} fixes refused: ${reason}`);
    },
    onSendError: (reason) => {
      counts.errors++;
      onError(reason);
    },
  });
  return {
    report: (fix) => reporter.report(fix),
    get pending() {
      return reporter.pending;
    },
    flush: () => reporter.flush(),
    close: async () => reporter.close(),
  };
}

main().catch((error: Error) => exit(1, `The simulator failed: ${error.stack ?? error.message}`));
