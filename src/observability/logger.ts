// Structured JSON logs (pino), one object per line. Lines written while serving a
// request carry its `reqId`. Secrets never go in: keys travel in headers, which are not
// logged, and fields that could hold one are redacted anyway (a test checks the output).
import pino from 'pino';
import { requestContext } from './requestContext.ts';

export type Logger = pino.Logger;

export function createLogger(level: pino.LevelWithSilent): Logger {
  return pino({
    level,
    base: undefined,
    mixin: () => {
      const request = requestContext.getStore();
      return request ? { reqId: request.reqId } : {};
    },
    redact: {
      paths: [
        'key',
        '*.key',
        'apiKey',
        'secret',
        '*.secret',
        'previousSecret',
        'signature',
        '*.signature',
        'headers["webhook-signature"]',
        'headers.authorization',
        'headers["x-api-key"]',
      ],
      censor: '[redacted]',
    },
  });
}
