import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

/** Structured JSON logs. Credentials in headers and bodies are never written. */
export function createLogger(
  level: string,
  redactLine: (line: string) => string = (line) => line,
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level,
    // The last filter before a line leaves the process: secret values are cut from whatever was logged.
    hooks: { streamWrite: (line: string) => redactLine(line) },
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
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
