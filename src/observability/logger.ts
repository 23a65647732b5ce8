// Structured JSON logs (pino). Secrets never go in: keys travel in headers, which are not logged.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: pino.LevelWithSilent): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: [
        'key',
        '*.key',
        'apiKey',
        'secret',
        '*.secret',
        'headers.authorization',
        'headers["x-api-key"]',
      ],
      censor: '[redacted]',
    },
  });
}
