// What every benchmark's server runs with: production mode, loopback, and no per-key or
// per-device limits, since one key drives the whole load (measure the server, not the limits).
export const BENCH_SERVER_ENV = {
  HOST: '127.0.0.1',
  NODE_ENV: 'production',
  RATE_LIMIT_REPORTS_PER_MINUTE: '0',
  RATE_LIMIT_REPORTS_PER_DEVICE_PER_MINUTE: '0',
  RATE_LIMIT_READS_PER_MINUTE: '0',
  RATE_LIMIT_MANAGE_PER_MINUTE: '0',
};
