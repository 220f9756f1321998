import { describe, expect, it } from 'vitest';
import { ConfigError, jobConfigFromEnv, parseJobSettings } from '../../lambdas/platform/config.js';

describe('job configuration', () => {
  it('fills every default from an empty object', () => {
    // Act
    const settings = parseJobSettings({});
    // Assess
    expect(settings.rejectThreshold).toBe(0.05);
    expect(settings.marginRate).toBe(0.3);
    expect(settings.mapping.orders.decimalSeparator).toBe('.');
    expect(settings.segmentDimensions).toEqual([]);
  });

  it('lists every problem with its path in one error', () => {
    // Act
    const attempt = () =>
      parseJobSettings({
        marginRate: 2,
        rejectThreshold: -1,
        mapping: { orders: { bogus: true } },
        extra: 1,
      });
    // Assess
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toMatch(/marginRate: .*<=1/);
    expect(message).toMatch(/rejectThreshold: .*>=0/);
    expect(message).toMatch(/mapping\.orders: Unrecognized key: "bogus"/);
    expect(message).toMatch(/\(root\): Unrecognized key: "extra"/);
  });

  it('reads bucket, table and settings from the environment and fails fast when one is missing', () => {
    // Act
    const config = jobConfigFromEnv({
      EXPORTS_BUCKET: 'my-bucket',
      RESULTS_TABLE: 'my-table',
      CLV_SETTINGS: JSON.stringify({ segmentDimensions: ['country'] }),
    });
    // Assess
    expect(config).toMatchObject({ bucket: 'my-bucket', table: 'my-table' });
    expect(config.settings.segmentDimensions).toEqual(['country']);
    expect(() => jobConfigFromEnv({ RESULTS_TABLE: 'my-table' })).toThrow(/EXPORTS_BUCKET/);
    expect(() =>
      jobConfigFromEnv({ EXPORTS_BUCKET: 'b-1', RESULTS_TABLE: 't-1', CLV_SETTINGS: '{' }),
    ).toThrow(/CLV_SETTINGS is not valid JSON/);
  });

  it('keeps per-customer detail at most as long as the run record', () => {
    // Assess
    expect(parseJobSettings({}).detailRetentionDays).toBe(35);
    expect(parseJobSettings({ retentionDays: 30 }).detailRetentionDays).toBe(30);
    expect(parseJobSettings({ retentionDays: 90, detailRetentionDays: 60 }).detailRetentionDays).toBe(60);
    expect(() => parseJobSettings({ retentionDays: 30, detailRetentionDays: 60 })).toThrow(
      /detailRetentionDays: must not exceed retentionDays/,
    );
  });

  it('refuses segment dimensions that are not snake_case column names', () => {
    // Assess
    expect(() => parseJobSettings({ segmentDimensions: ['Country Code'] })).toThrow(/segmentDimensions\.0/);
    expect(() => parseJobSettings({ segmentDimensions: ['a'.repeat(65)] })).toThrow(/at most 64 characters/);
    expect(parseJobSettings({ segmentDimensions: ['a'.repeat(64)] }).segmentDimensions).toHaveLength(1);
  });

  it('defaults to no currency conversion and customer ids compared as they are', () => {
    // Act
    const settings = parseJobSettings({});
    // Assess
    expect(settings.currency).toEqual({});
    expect(settings.customerIds).toEqual({ case: 'preserve' });
    expect(parseJobSettings({ customerIds: {} }).customerIds.case).toBe('preserve');
  });

  it('accepts a conversion table into a base currency and refuses malformed ones', () => {
    // Act
    const settings = parseJobSettings({ currency: { base: 'EUR', rates: { USD: 0.92, EUR: 1 } } });
    const problems = (currency: unknown): string => {
      try {
        parseJobSettings({ currency });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      return '';
    };
    // Assess
    expect(settings.currency).toEqual({ base: 'EUR', rates: { USD: 0.92, EUR: 1 } });
    expect(problems({ rates: { USD: 0.92 } })).toMatch(/currency\.base: is required when rates are set/);
    expect(problems({ base: 'eur' })).toMatch(/currency\.base: must be an ISO 4217 code/);
    expect(problems({ base: 'EUR', rates: { usd: 0.92 } })).toMatch(
      /currency\.rates\.usd: keys must be ISO 4217 codes/,
    );
    expect(problems({ base: 'EUR', rates: { USD: 0 } })).toMatch(/currency\.rates\.USD: .*>0/);
    expect(problems({ base: 'EUR', rates: { USD: -1 } })).toMatch(/currency\.rates\.USD/);
    expect(problems({ base: 'EUR', rates: { EUR: 0.5 } })).toMatch(
      /rate of the base currency itself must be 1/,
    );
    expect(problems({ base: 'EUR', convert: true })).toMatch(/Unrecognized key: "convert"/);
  });
});
