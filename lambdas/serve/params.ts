/**
 * Request parameters of every route, as zod schemas: they validate requests (400 naming the
 * parameter) and generate the OpenAPI document's parameters. Query values arrive as strings.
 */
import { z } from 'zod';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** A run id (`<exportDate>T<start instant>`, see RunRecord.runId). */
export const RUN_ID = /^\d{4}-\d{2}-\d{2}T[0-9A-Za-z]{1,32}$/;

const isCalendarDate = (value: string): boolean => {
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
};

const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected an ISO date YYYY-MM-DD')
  .refine(isCalendarDate, 'not a calendar date')
  .meta({ format: 'date' });

/** `limit` of a list whose pages hold at most `max` rows; documented in OpenAPI as the integer it is. */
export const limitParamUpTo = (max: number) =>
  z
    .string()
    .regex(/^\d{1,7}$/, `expected a whole number from 1 to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .optional()
    .meta({
      description: `Rows per page, 1–${max}; default ${Math.min(DEFAULT_LIMIT, max)}`,
      openapi: { type: 'integer', minimum: 1, maximum: max, default: Math.min(DEFAULT_LIMIT, max) },
    });

export const limitParam = limitParamUpTo(MAX_LIMIT);

/** Runs are hydrated one GetItem each, so their pages are smaller. */
export const MAX_RUNS_LIMIT = 100;

export const cursorParam = z
  .string()
  .min(1)
  .max(16384)
  .optional()
  .meta({ description: 'Opaque: the `nextCursor` of the previous page, passed back unchanged' });

export const formatParam = z
  .enum(['json', 'csv'])
  .optional()
  .meta({ description: 'Response format; overrides the Accept header (text/csv also selects CSV)' });

export const runParam = z
  .string()
  .regex(
    /^(current|\d{4}-\d{2}-\d{2}T[0-9A-Za-z]{1,32})$/,
    'expected "current" or a run id such as 2026-11-24T0mwvh7i80',
  )
  .optional()
  .meta({ description: 'Run id; default: the current (last published) run' });

const dimensionName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^:]+$/, 'a dimension name has no ":"');

export const segmentParam = z
  .string()
  .regex(/^[^:]{1,256}:[\s\S]+$/, 'expected <dimension>:<value>, e.g. acquisition_channel:search')
  .transform((v) => {
    const at = v.indexOf(':');
    return { dimension: v.slice(0, at), value: v.slice(at + 1) };
  })
  .optional()
  .meta({ description: 'Segment `<dimension>:<value>`; default `_all:_all` (every customer)' });

const listParams = { limit: limitParam, cursor: cursorParam, format: formatParam };

export const runsQuery = z.object({ ...listParams, limit: limitParamUpTo(MAX_RUNS_LIMIT) }).strict();
export const recordQuery = z.object({ format: formatParam }).strict();
export const summaryQuery = z.object({ run: runParam, format: formatParam }).strict();
export const segmentsQuery = z
  .object({
    dimension: dimensionName.optional().meta({
      description: 'One dimension (e.g. acquisition_channel); default: every dimension, `_all` first',
    }),
    run: runParam,
    ...listParams,
  })
  .strict();
export const segmentHistoryQuery = z
  .object({
    from: calendarDate.optional().meta({ description: 'First export date, inclusive' }),
    to: calendarDate.optional().meta({ description: 'Last export date, inclusive' }),
    ...listParams,
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, {
    message: 'from must not be after to',
    path: ['from'],
  });
export const customersQuery = z
  .object({
    segment: segmentParam,
    sort: z.enum(['clv', 'revenue', 'orders']).default('clv').meta({ description: 'Sort field' }),
    order: z.enum(['asc', 'desc']).default('desc').meta({ description: 'Sort direction' }),
    run: runParam,
    ...listParams,
  })
  .strict();
export const customerQuery = z
  .object({
    run: runParam,
    history: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional()
      .meta({
        description: 'true: the customer in every retained run, newest first (a paged list)',
        openapi: { type: 'boolean', default: false },
      }),
    ...listParams,
  })
  .strict()
  .refine((q) => !(q.history && q.run), {
    message: 'history=true covers every run; drop run',
    path: ['run'],
  });
export const noQuery = z.object({}).strict();

export const runIdPath = z.object({
  runId: z.string().regex(RUN_ID, 'expected a run id such as 2026-11-24T0mwvh7i80'),
});
export const segmentPath = z.object({ dimension: dimensionName, value: z.string().min(1).max(2048) });
export const customerPath = z.object({ customerId: z.string().min(1).max(2048) });
export const noPath = z.object({});
