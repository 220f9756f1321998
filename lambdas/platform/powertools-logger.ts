/** Our Logger backed by Powertools for AWS Lambda: JSON lines with the Lambda context keys. */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { type Logger, plain } from './logger.js';

/** Log level from POWERTOOLS_LOG_LEVEL (Powertools reads it), service from `serviceName`. */
export function powertoolsLogger(serviceName: string): Logger {
  const logger = new PowertoolsLogger({ serviceName });
  const emit =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields: Record<string, unknown> = {}): void =>
      // Powertools would log every enumerable property of an Error: only name, message and cause go out.
      logger[level](message, Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, plain(v)])));
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
