import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambdas/platform/config.js';
import { parseClvConfig, stageSizes } from '../../lib/config.js';

describe('parseClvConfig', () => {
  it('fills every default when the context is absent', () => {
    // Act
    const config = parseClvConfig(undefined);

    // Assess
    expect(config.stackName).toBe('ClvEngine');
    expect(config.schedule).toEqual({ expression: 'cron(0 2 * * ? *)', timezone: 'UTC' });
    expect(config.job).toEqual({
      memoryMb: 3008,
      timeoutMinutes: 15,
      ephemeralStorageMb: 10240,
      executionTimeoutHours: 4,
      stages: {},
    });
    expect(config.api).toEqual({
      stageName: 'prod',
      auth: 'apiKey',
      memoryMb: 1024,
      throttle: { rateLimit: 50, burstLimit: 100 },
      quota: { limit: 1_000_000, period: 'DAY' },
    });
    expect(config.alarmEmail).toBeUndefined();
    expect(config.settings.duckdbMemoryMb).toBe(1024);
    expect(config.settings.exportsPrefix).toBe('exports/');
  });

  it('accepts the JSON string that `cdk -c clv=...` passes', () => {
    // Act
    const config = parseClvConfig('{"schedule":{"timezone":"Europe/Paris"},"alarmEmail":"ops@example.com"}');

    // Assess
    expect(config.schedule.timezone).toBe('Europe/Paris');
    expect(config.alarmEmail).toBe('ops@example.com');
  });

  it('lists every invalid path in one ConfigError', () => {
    // Prepare
    const input = {
      schedule: { expression: 'cron(0 2 * * *)', timezone: 'Mars/Olympus' },
      job: { timeoutMinutes: 20, executionTimeoutHours: 24, stages: { plan: { memoryMb: 64 } } },
      alarmEmail: 'not-an-address',
      settings: { marginRate: 2 },
      extra: true,
    };

    // Act
    const error = captureError(() => parseClvConfig(input));

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    const message = error.message;
    expect(message).toMatch(/^Invalid CDK context "clv":/);
    expect(message).toContain('schedule.expression: cron needs 6 fields');
    expect(message).toContain('schedule.timezone: unknown time zone');
    expect(message).toContain('job.timeoutMinutes:');
    expect(message).toContain('job.executionTimeoutHours:');
    expect(message).toContain('job.stages.plan.memoryMb:');
    expect(message).toContain('alarmEmail:');
    expect(message).toContain('settings.marginRate:');
    expect(message).toContain('"extra"');
  });

  it('rejects a DuckDB cap that does not fit in the function memory', () => {
    // Act
    const error = captureError(() =>
      parseClvConfig({ job: { memoryMb: 1024 }, settings: { duckdbMemoryMb: 1024 } }),
    );

    // Assess
    expect(error.message).toContain(
      'settings.duckdbMemoryMb: must be below job.memoryMb (1024 >= 1024); raise job.memoryMb or lower settings.duckdbMemoryMb',
    );
  });

  it('checks the DuckDB cap against each DuckDB stage memory override, and ignores the stages without DuckDB', () => {
    // Act
    const error = captureError(() =>
      parseClvConfig({
        job: { stages: { score: { memoryMb: 1024 }, fit: { memoryMb: 512 }, plan: { memoryMb: 256 } } },
        settings: { duckdbMemoryMb: 1024 },
      }),
    );
    const fine = parseClvConfig({
      job: { stages: { finish: { memoryMb: 256 } } },
      settings: { duckdbMemoryMb: 1024 },
    });

    // Assess
    expect(error.message.split('\n').slice(1)).toEqual([
      '  settings.duckdbMemoryMb: must be below job.stages.fit.memoryMb (1024 >= 512); raise job.stages.fit.memoryMb or lower settings.duckdbMemoryMb',
      '  settings.duckdbMemoryMb: must be below job.stages.score.memoryMb (1024 >= 1024); raise job.stages.score.memoryMb or lower settings.duckdbMemoryMb',
    ]);
    expect(fine.job.stages.finish).toEqual({ memoryMb: 256 });
  });

  it('refuses a stage that does not exist and a size Lambda does not offer', () => {
    // Act
    const error = captureError(() =>
      parseClvConfig({
        job: { stages: { ingest: { memoryMb: 2048 }, gate: { ephemeralStorageMb: 256, cpu: 2 } } },
      }),
    );

    // Assess
    expect(error.message).toContain('job.stages: Unrecognized key: "ingest"');
    expect(error.message).toContain('job.stages.gate.ephemeralStorageMb:');
    expect(error.message).toContain('"cpu"');
  });

  it('sizes every stage: job for the DuckDB stages, 1,024 MB and 512 MB of /tmp for the others, overrides last', () => {
    // Act
    const sizes = stageSizes(
      parseClvConfig({
        job: {
          memoryMb: 4096,
          timeoutMinutes: 12,
          stages: { score: { memoryMb: 1769 }, fail: { timeoutMinutes: 2 } },
        },
      }).job,
    );

    // Assess
    expect(sizes).toEqual({
      plan: { memoryMb: 1024, timeoutMinutes: 12, ephemeralStorageMb: 512 },
      partition: { memoryMb: 4096, timeoutMinutes: 12, ephemeralStorageMb: 10240 },
      validate: { memoryMb: 4096, timeoutMinutes: 12, ephemeralStorageMb: 10240 },
      gate: { memoryMb: 4096, timeoutMinutes: 12, ephemeralStorageMb: 10240 },
      summarise: { memoryMb: 4096, timeoutMinutes: 12, ephemeralStorageMb: 10240 },
      fit: { memoryMb: 4096, timeoutMinutes: 12, ephemeralStorageMb: 10240 },
      score: { memoryMb: 1769, timeoutMinutes: 12, ephemeralStorageMb: 10240 },
      publish: { memoryMb: 4096, timeoutMinutes: 12, ephemeralStorageMb: 10240 },
      finish: { memoryMb: 1024, timeoutMinutes: 12, ephemeralStorageMb: 512 },
      fail: { memoryMb: 1024, timeoutMinutes: 2, ephemeralStorageMb: 512 },
    });
  });

  it.each([0, 24, 1.5])(
    'refuses an execution timeout of %s hours (1 to 23: the lock lease stays under a day)',
    (hours) => {
      // Act
      const error = captureError(() => parseClvConfig({ job: { executionTimeoutHours: hours } }));

      // Assess
      expect(error.message).toContain('job.executionTimeoutHours:');
    },
  );

  it('rejects a cron expression with both day fields set', () => {
    // Act
    const error = captureError(() => parseClvConfig({ schedule: { expression: 'cron(0 2 1 * MON *)' } }));

    // Assess
    expect(error.message).toContain('schedule.expression: cron: day-of-month or day-of-week must be "?"');
  });

  it('accepts rate and at expressions', () => {
    // Act + Assess
    expect(parseClvConfig({ schedule: { expression: 'rate(12 hours)' } }).schedule.expression).toBe(
      'rate(12 hours)',
    );
    expect(parseClvConfig({ schedule: { expression: 'at(2026-12-01T03:00:00)' } }).schedule.expression).toBe(
      'at(2026-12-01T03:00:00)',
    );
  });

  it('rejects prefixes the IAM grants cannot be scoped to', () => {
    // Act
    const error = captureError(() =>
      parseClvConfig({ settings: { exportsPrefix: 'data', runsPrefix: 'data/runs/' } }),
    );

    // Assess
    expect(error.message).toContain('settings.exportsPrefix: must be a folder');
    expect(error.message).toContain('settings.runsPrefix: must not overlap settings.exportsPrefix');
  });

  it('fills the API defaults around the fields given', () => {
    // Act
    const config = parseClvConfig({
      api: { auth: 'iam', throttle: { rateLimit: 2.5 }, quota: { period: 'WEEK' } },
    });

    // Assess
    expect(config.api).toEqual({
      stageName: 'prod',
      auth: 'iam',
      memoryMb: 1024,
      throttle: { rateLimit: 2.5, burstLimit: 100 },
      quota: { limit: 1_000_000, period: 'WEEK' },
    });
  });

  it.each([
    ['api.stageName', { stageName: 'prod-eu' }],
    ['api.stageName', { stageName: '' }],
    ['api.auth', { auth: 'cognito' }],
    ['api.memoryMb', { memoryMb: 64 }],
    ['api.memoryMb', { memoryMb: 1024.5 }],
    ['api.throttle.rateLimit', { throttle: { rateLimit: 0 } }],
    ['api.throttle.burstLimit', { throttle: { burstLimit: 2.5 } }],
    ['api.quota.limit', { quota: { limit: -1 } }],
    ['api.quota.period', { quota: { period: 'YEAR' } }],
    ['api', { cors: true }],
  ])('rejects an invalid %s (%j)', (path, api) => {
    // Act
    const error = captureError(() => parseClvConfig({ api }));

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`${path}:`);
  });

  it('says so when the -c value is not JSON', () => {
    // Act
    const error = captureError(() => parseClvConfig('{stackName: x}'));

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^CDK context "clv" is not valid JSON/);
  });
});

function captureError(work: () => unknown): Error {
  try {
    work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
