import { describe, expect, it } from 'vitest';
import type { ExportSource } from '../../lambdas/ingest/export-source.js';
import {
  inputChanges,
  newerCurrentRun,
  pendingExports,
  repeatOf,
  waitingMessage,
} from '../../lambdas/pipeline/run-gate.js';
import type { RunRecord } from '../../lambdas/publish/types.js';

const input = (name: string, bytes: number) => ({ dataset: 'orders' as const, name, bytes, sha256: 'x' });
const listed = (key: string, bytes: number) => ({ dataset: 'orders' as const, key, bytes });

describe('inputChanges', () => {
  it('names every added, removed and resized key, and nothing for the same keys and sizes', () => {
    // Prepare
    const before = [input('e/a.csv', 10), input('e/b.csv', 20), input('e/c.csv', 30)];
    // Act
    const same = inputChanges([listed('e/c.csv', 30), listed('e/a.csv', 10), listed('e/b.csv', 20)], before);
    const changed = inputChanges(
      [listed('e/a.csv', 10), listed('e/b.csv', 21), listed('e/d.csv', 5)],
      before,
    );
    // Assess
    expect(same).toEqual([]);
    expect(changed).toEqual([
      'added e/d.csv (5 bytes)',
      'removed e/c.csv',
      'resized e/b.csv (20 → 21 bytes)',
    ]);
  });
});

describe('inputChanges with entity tags', () => {
  it('names a rewrite of the same size by its new ETag, and ignores tags a record does not have', () => {
    const tagged = { ...input('e/a.csv', 10), etag: '"aaa"' };
    const now = (etag?: string) => [{ ...listed('e/a.csv', 10), ...(etag ? { etag } : {}) }];
    expect(inputChanges(now('"bbb"'), [tagged])).toEqual(['rewrote e/a.csv']);
    expect(inputChanges(now('"aaa"'), [tagged])).toEqual([]);
    expect(inputChanges(now('"bbb"'), [input('e/a.csv', 10)])).toEqual([]);
    expect(inputChanges(now(), [tagged])).toEqual([]);
  });
});

describe('repeatOf', () => {
  const published = {
    inputs: [input('e/a.csv', 10)],
    asOf: '2026-11-24',
    settings: { marginRate: 0.3, mapping: { orders: { columns: {}, decimalSeparator: '.' } } },
  } as unknown as RunRecord;

  it('sees the same settings in another key order as the same (DynamoDB need not keep key order)', () => {
    // Act
    const verdict = repeatOf(published, {
      listed: [listed('e/a.csv', 10)],
      asOf: '2026-11-24',
      settings: { mapping: { orders: { decimalSeparator: '.', columns: {} } }, marginRate: 0.3 },
    });
    // Assess
    expect(verdict).toEqual({ repeat: true });
  });

  it('lists what differs: files, the as-of date and the settings', () => {
    // Act
    const verdict = repeatOf(published, {
      listed: [listed('e/a.csv', 11)],
      asOf: '2026-11-20',
      settings: { marginRate: 0.4, mapping: { orders: { columns: {}, decimalSeparator: '.' } } },
    });
    // Assess
    expect(verdict).toEqual({
      repeat: false,
      changes: [
        'resized e/a.csv (10 → 11 bytes)',
        'as-of date 2026-11-24 → 2026-11-20',
        'job settings changed',
      ],
    });
  });
});

describe('newerCurrentRun', () => {
  const current = { runId: 'R', exportDate: '2026-11-24', publishedAt: 'x' };

  it('allows the first run, the current date and newer dates', () => {
    expect(newerCurrentRun('2026-11-01', false, null)).toBeNull();
    expect(newerCurrentRun('2026-11-24', true, current)).toBeNull();
    expect(newerCurrentRun('2026-11-25', false, current)).toBeNull();
  });

  it('refuses an older date, saying why in words that fit a rerun or a scheduled run', () => {
    expect(newerCurrentRun('2026-11-23', true, current)).toMatch(
      /^Export 2026-11-23 is older than the current run R/,
    );
    expect(newerCurrentRun('2026-11-23', false, current)).toMatch(
      /was the 2026-11-24 export or its _SUCCESS marker removed\?/,
    );
  });
});

describe('pendingExports', () => {
  /** A source whose folders hold the given number of 100-byte files per date; records the dates listed. */
  function source(filesByDate: Record<string, number>): ExportSource & { asked: string[] } {
    const asked: string[] = [];
    return {
      asked,
      listCompleteDates: async () => [],
      listFiles: async (date) => {
        asked.push(date);
        return Array.from({ length: filesByDate[date] ?? 0 }, (_, i) =>
          listed(`e/${date}/orders/${i}.csv`, 100),
        );
      },
      listIgnored: async () => [],
      download: async () => ({ bytes: 0, sha256: '' }),
    };
  }

  it('looks at the days after the current export up to tomorrow, newest first, at most three', async () => {
    // Prepare
    const s = source({ '2026-11-25': 2, '2026-11-23': 1 });
    // Act
    const pending = await pendingExports(s, '2026-11-20', '2026-11-25');
    // Assess
    expect(s.asked).toEqual(['2026-11-26', '2026-11-25', '2026-11-24']);
    expect(pending).toEqual([{ date: '2026-11-25', files: 2, bytes: 200 }]);
  });

  it('never looks at the current export date itself or before it, across a month end', async () => {
    // Prepare
    const s = source({});
    // Act
    await pendingExports(s, '2026-11-30', '2026-11-30');
    // Assess
    expect(s.asked).toEqual(['2026-12-01']);
  });
});

describe('waitingMessage', () => {
  it('says what it knows about newer exports', () => {
    const base = 'export 2026-11-24 already published as R; waiting for a newer export with _SUCCESS';
    expect(waitingMessage('2026-11-24', 'R', null)).toBe(base);
    expect(waitingMessage('2026-11-24', 'R', [])).toBe(`${base} (no newer export folder has data files yet)`);
    expect(
      waitingMessage('2026-11-24', 'R', [
        { date: '2026-11-26', files: 1, bytes: 5 },
        { date: '2026-11-25', files: 3, bytes: 700 },
      ]),
    ).toBe(
      `${base} (no _SUCCESS marker yet: 2026-11-26 has 1 data file(s), 5 bytes; 2026-11-25 has 3 data file(s), 700 bytes)`,
    );
  });
});
