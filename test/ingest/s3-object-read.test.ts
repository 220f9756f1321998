import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BrokenBodyError,
  DEFAULT_READ_RETRY,
  ReadGaveUpError,
  retryRead,
  transientFaultKind,
} from '../../lambdas/ingest/s3-object-read.js';
import { backoffDelay } from '../../lambdas/platform/backoff.js';
import { faultRecorder } from '../../lambdas/platform/fault-recorder.js';

const sdkError = (name: string, status: number): Error =>
  Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: status } });
const systemError = (code: string): Error => Object.assign(new Error(code), { code });

describe('backoffDelay', () => {
  it('draws uniformly below a ceiling that doubles from the base up to the cap (full jitter)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, r) => {
          // Prepare: the ceiling computed independently, by repeated doubling.
          let ceiling = DEFAULT_READ_RETRY.baseDelayMs;
          for (let i = 1; i < retry; i++) ceiling = Math.min(ceiling * 2, DEFAULT_READ_RETRY.maxDelayMs);
          ceiling = Math.min(ceiling, DEFAULT_READ_RETRY.maxDelayMs);
          // Act
          const delay = backoffDelay(retry, { ...DEFAULT_READ_RETRY, random: () => r });
          // Assess
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(ceiling);
          expect(delay).toBe(Math.floor(r * ceiling));
        },
      ),
    );
  });

  it('waits at most 0.2 + 0.4 + 0.8 + 1.6 = 3 s in all between the default 5 reads', () => {
    const almostOne = { ...DEFAULT_READ_RETRY, random: () => 0.999_999 };
    const total = [1, 2, 3, 4].reduce((sum, retry) => sum + backoffDelay(retry, almostOne), 0);
    expect(total).toBeLessThanOrEqual(3_000);
    expect(total).toBeGreaterThan(2_990);
  });
});

describe('transientFaultKind', () => {
  it.each([
    [sdkError('SlowDown', 503), 's3:SlowDown'],
    [sdkError('InternalError', 500), 's3:InternalError'],
    [sdkError('ServiceUnavailable', 503), 's3:ServiceUnavailable'],
    [sdkError('Unknown', 502), 's3:HTTP502'],
    [systemError('ECONNRESET'), 's3:ECONNRESET'],
    [systemError('ERR_STREAM_PREMATURE_CLOSE'), 's3:ERR_STREAM_PREMATURE_CLOSE'],
    [new BrokenBodyError('truncated', 'got 3 of 10 bytes'), 's3:truncated'],
    [new BrokenBodyError('stalled', 'no data'), 's3:stalled'],
    [new Error('Checksum mismatch: expected "a" but received "b"'), 's3:ChecksumMismatch'],
  ])('retries %s as %s', (error, kind) => {
    expect(transientFaultKind(error)).toBe(kind);
  });

  it.each([
    sdkError('NoSuchKey', 404),
    sdkError('AccessDenied', 403),
    sdkError('InvalidObjectState', 403),
    systemError('ENOSPC'),
    new Error('the response has no Node.js stream body'),
    'a string',
    undefined,
  ])('does not retry %s', (error) => {
    expect(transientFaultKind(error)).toBeNull();
  });
});

describe('retryRead', () => {
  it('makes exactly `attempts` reads against a fault that never clears, recording attempts − 1 retries', async () => {
    // Prepare
    let reads = 0;
    const faults = faultRecorder();
    const policy = { ...DEFAULT_READ_RETRY, attempts: 4, sleep: async () => {} };

    // Act
    const result = retryRead(
      async () => {
        reads++;
        throw sdkError('SlowDown', 503);
      },
      policy,
      faults,
    );

    // Assess
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadGaveUpError);
    expect(error).toMatchObject({ attempts: 4, kind: 's3:SlowDown' });
    expect(reads).toBe(4);
    expect(faults.snapshot()).toEqual({ retries: 3, byKind: { 's3:SlowDown': 3 } });
  });

  it('waits for real with the default sleep, and stops sleeping when cancelled', async () => {
    // Prepare
    const cancel = new AbortController();
    const reason = new Error('cancelled');
    const policy = { ...DEFAULT_READ_RETRY, baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.5 };
    setTimeout(() => cancel.abort(reason), 20);
    const t0 = performance.now();

    // Act
    const result = retryRead(
      async () => {
        throw systemError('ECONNRESET');
      },
      policy,
      faultRecorder(),
      cancel.signal,
    );

    // Assess: a 30 s backoff was cut short by the cancellation.
    await expect(result).rejects.toBe(reason);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});
