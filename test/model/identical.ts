/** Bit-for-bit comparison of two results: same shape and key order, Object.is on every number. */

/** Paths where `actual` differs from `expected` (empty when identical); counts the numbers compared. */
export function differences(
  actual: unknown,
  expected: unknown,
  counter = { numbers: 0 },
  path = '$',
  found: string[] = [],
): string[] {
  if (found.length >= 20) return found;
  if (typeof expected === 'number') {
    counter.numbers += 1;
    if (!Object.is(actual, expected)) found.push(`${path}: ${String(actual)} ≠ ${expected}`);
    return found;
  }
  if (expected === null || typeof expected !== 'object') {
    if (actual !== expected) found.push(`${path}: ${String(actual)} ≠ ${String(expected)}`);
    return found;
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual) !== Array.isArray(expected)) {
    found.push(`${path}: ${JSON.stringify(actual)?.slice(0, 80)} is not like the expected object`);
    return found;
  }
  const actualKeys = Object.keys(actual);
  const expectedKeys = Object.keys(expected);
  if (actualKeys.join('\u0000') !== expectedKeys.join('\u0000')) {
    found.push(`${path}: keys [${actualKeys.slice(0, 12)}] ≠ [${expectedKeys.slice(0, 12)}]`);
    return found;
  }
  for (const key of expectedKeys) {
    const a = (actual as Record<string, unknown>)[key];
    const e = (expected as Record<string, unknown>)[key];
    differences(a, e, counter, `${path}.${key}`, found);
  }
  return found;
}
