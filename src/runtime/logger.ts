import { type Logger, pino } from 'pino';

/** Structured JSON logs. Credentials in headers and bodies are never written. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'opsroom' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.token',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  });
}

export type { Logger };
