/** Structured JSON logging. Callers log counts, ids of runs and durations: never customer data. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Serialises an Error as its name, message and cause chain, nothing else: errors may carry data of
 * customers in other properties (an ingest report, a request), which must never reach a log.
 */
export function plain(value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, cause: value.cause ? plain(value.cause) : undefined };
  }
  return value;
}

/** A logger writing one JSON object per line to `write` (stdout by default). */
export function jsonLogger(
  options: { level?: LogLevel; service?: string; write?: (line: string) => void } = {},
): Logger {
  const threshold = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const emit =
    (level: LogLevel) =>
    (message: string, fields: Record<string, unknown> = {}): void => {
      if (ORDER[level] < threshold) return;
      const entries = Object.entries(fields).map(([k, v]) => [k, plain(v)]);
      write(
        JSON.stringify({
          level,
          message,
          service: options.service ?? 'clv-engine',
          timestamp: new Date().toISOString(),
          ...Object.fromEntries(entries),
        }),
      );
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** A logger that drops everything (tests, quiet local runs). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
