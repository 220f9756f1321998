/** zod validation of request parameters → 400 problems that name each parameter and what it allows. */
import type { z } from 'zod';
import { BadRequestError, type ParameterProblem } from './serve-errors.js';

/** The names a params schema accepts (its object keys), for "unknown parameter" messages. */
function acceptedNames(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  if (shape) return Object.keys(shape);
  const inner = (schema as unknown as { def?: { in?: z.ZodType; schema?: z.ZodType } }).def;
  return inner?.in ? acceptedNames(inner.in) : inner?.schema ? acceptedNames(inner.schema) : [];
}

function problemsOf(error: z.ZodError, schema: z.ZodType): ParameterProblem[] {
  return error.issues.flatMap((issue): ParameterProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      const names = acceptedNames(schema);
      return issue.keys.map((key) => ({
        parameter: key,
        message: names.length
          ? `unknown parameter; this route takes: ${names.join(', ')}`
          : 'unknown parameter; this route takes none',
      }));
    }
    const parameter = String(issue.path[0] ?? '(request)');
    if (issue.code === 'invalid_value') {
      return [{ parameter, message: issue.message, allowed: issue.values.map(String) }];
    }
    return [{ parameter, message: issue.message }];
  });
}

/** The parsed value, or BadRequestError listing every invalid parameter. */
export function parseParams<T>(schema: z.ZodType<T, unknown>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new BadRequestError(problemsOf(parsed.error, schema));
}
