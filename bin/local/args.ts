import { parseArgs } from 'node:util';
import { z } from 'zod';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

/** Options of `npm start -- [...]`. */
export const localArgsSchema = z.object({
  exports: z.string().min(1).optional(),
  asOf: isoDate.optional(),
  exportDate: isoDate.optional(),
  json: z.string().min(1).optional(),
  settings: z.string().min(1).optional(),
  /** Run the sharded path (the state machine's stages, in-process) with this many shards. */
  shards: z
    .string()
    .regex(/^\d{1,4}$/, 'expected a shard count from 1 to 1000')
    .transform(Number)
    .pipe(z.number().int().min(1).max(1000))
    .optional(),
  reset: z.boolean(),
  quiet: z.boolean(),
  /** Serve the query API after the run (false with --no-serve or --json). */
  serve: z.boolean(),
  port: z
    .string()
    .regex(/^\d{1,5}$/, 'expected a port number (0 picks a free one)')
    .transform(Number)
    .pipe(z.number().int().min(0).max(65535)),
});
export type LocalArgs = z.infer<typeof localArgsSchema>;

export const USAGE = `Usage: npm start -- [options]
  --exports <dir>       run on your own files: a folder with orders/ customers/ marketing_spend/
                        (one export date) or with <yyyy-mm-dd>/ folders (like the bucket)
  --export-date <date>  the export date of a one-date folder, or which date to run (default: newest)
  --as-of <date>        measure ages and churn at this date (default: the export date)
  --json <file>         also write the complete run record to <file>
  --settings <file>     job settings JSON (column mapping, margin rate, ...; see docs/operations.md)
  --shards <n>          run the sharded path (the state machine's stages in-process) with n shards
  --reset               wipe the embedded servers' data under .local/ first
  --quiet               no JSON log lines, only the summary
  --port <n>            port of the query API on 127.0.0.1 (default 8787; 0 picks a free one)
  --no-serve            exit after the run instead of serving the API (implied by --json)`;

/** Parses argv; throws with the usage text on anything unknown or malformed. */
export function parseLocalArgs(argv: readonly string[]): LocalArgs {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        exports: { type: 'string' },
        'as-of': { type: 'string' },
        'export-date': { type: 'string' },
        json: { type: 'string' },
        settings: { type: 'string' },
        shards: { type: 'string' },
        reset: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        'no-serve': { type: 'boolean', default: false },
        port: { type: 'string', default: '8787' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`);
  }
  const parsed = localArgsSchema.safeParse({
    exports: values.exports,
    asOf: values['as-of'],
    exportDate: values['export-date'],
    json: values.json,
    settings: values.settings,
    shards: values.shards,
    reset: values.reset,
    quiet: values.quiet,
    serve: !values['no-serve'] && values.json === undefined,
    port: values.port,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  --${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`${problems}\n${USAGE}`);
  }
  return parsed.data;
}
