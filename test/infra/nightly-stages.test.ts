import { describe, expect, it } from 'vitest';
import { parseJobSettings } from '../../lambdas/platform/config.js';
import { asArray, buildStack, resourceProps, roleStatements, type Statement } from './stack-fixture.js';

const STAGES = [
  'Plan',
  'Partition',
  'Validate',
  'Gate',
  'Summarise',
  'Fit',
  'Score',
  'Publish',
  'Finish',
  'Fail',
];

/**
 * Each stage role's data access, written out here (not read from lib/): S3 actions on objects under
 * `exports/` and `runs/`, listing (ListBucket with an s3:prefix condition) and table actions.
 */
const ACCESS: Record<string, { exports: string[]; runs: string[]; list: string[]; table: string[] }> = {
  Plan: {
    exports: [],
    runs: ['s3:PutObject'],
    list: ['exports/*'],
    table: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
  },
  Partition: { exports: ['s3:GetObject'], runs: ['s3:PutObject'], list: [], table: [] },
  Validate: { exports: [], runs: ['s3:GetObject', 's3:PutObject'], list: [], table: [] },
  Gate: { exports: [], runs: ['s3:GetObject', 's3:PutObject'], list: [], table: [] },
  Summarise: { exports: [], runs: ['s3:GetObject', 's3:PutObject'], list: [], table: [] },
  Fit: {
    exports: [],
    runs: ['s3:GetObject', 's3:PutObject'],
    list: [],
    table: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'],
  },
  Score: {
    exports: [],
    runs: ['s3:GetObject', 's3:PutObject'],
    list: [],
    table: ['dynamodb:BatchWriteItem'],
  },
  Publish: {
    exports: [],
    runs: ['s3:GetObject'],
    list: [],
    table: [
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ],
  },
  Finish: { exports: [], runs: ['s3:DeleteObject'], list: ['runs/*'], table: ['dynamodb:DeleteItem'] },
  Fail: {
    exports: [],
    // It reads the gate's counts back for the failed run record.
    runs: ['s3:DeleteObject', 's3:GetObject'],
    list: ['runs/*'],
    table: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
  },
};

const DUCKDB = ['Partition', 'Validate', 'Gate', 'Summarise', 'Fit', 'Score', 'Publish'];

function stageFunctions(template: ReturnType<typeof buildStack>['template']) {
  return STAGES.map((stage) => {
    const entry = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
      new RegExp(`^NightlyStages${stage}Function[0-9A-F]{8}$`).test(id),
    );
    if (!entry) throw new Error(`no function of stage ${stage}`);
    const [id, resource] = entry as [string, { Properties: Record<string, unknown> }];
    return { stage, id, props: resource.Properties };
  });
}

describe('the nightly stage functions (default configuration)', () => {
  const { template, stack } = buildStack();
  const functions = stageFunctions(template);
  const bucketId = stack.getLogicalId(stack.exportsBucket.bucket.node.defaultChild as never);
  const tableId = stack.getLogicalId(stack.resultsTable.table.node.defaultChild as never);

  it('runs every stage from ONE code asset, each with its own handler export', () => {
    const codes = new Set(functions.map((f) => JSON.stringify(f.props.Code)));
    expect(codes.size).toBe(1);
    expect(functions.map((f) => f.props.Handler)).toEqual(STAGES.map((s) => `index.${s.toLowerCase()}`));
  });

  it('runs on Node 24, x86_64, traced, with DuckDB-sized memory and /tmp where DuckDB runs', () => {
    for (const { stage, props } of functions) {
      const duckdb = DUCKDB.includes(stage);
      expect(props, stage).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['x86_64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: duckdb ? 3008 : 1024,
        Timeout: 900,
        EphemeralStorage: { Size: duckdb ? 10240 : 512 },
      });
      expect(props.ReservedConcurrentExecutions, stage).toBeUndefined();
    }
  });

  it('passes the bucket, the table, the settings and a lock lease past the 4-hour execution to every stage', () => {
    for (const { stage, props } of functions) {
      const env = (props.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.EXPORTS_BUCKET, stage).toEqual({ Ref: bucketId });
      expect(env.RESULTS_TABLE, stage).toEqual({ Ref: tableId });
      expect(JSON.parse(env.CLV_SETTINGS as string), stage).toEqual(parseJobSettings({}));
      expect(env.RUN_LOCK_LEASE_SECONDS, stage).toBe(String(4 * 3600 + 5 * 60));
      expect(env.NODE_OPTIONS, stage).toBe('--enable-source-maps');
    }
  });

  it('gives every stage its own log group with a 90-day retention', () => {
    const logGroups = functions.map(
      (f) => (f.props.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref,
    );
    expect(new Set(logGroups).size).toBe(STAGES.length);
    for (const id of logGroups) expect(resourceProps(template, id).RetentionInDays, id).toBe(90);
  });

  it.each(STAGES)(
    "grants the %s role exactly its data actions, on this stack's prefixes and table",
    (stage) => {
      // Prepare
      const statements = roleStatements(template, `NightlyStages${stage}Role`);
      const expected = ACCESS[stage] as (typeof ACCESS)[string];
      const objects = (prefix: string) => ({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${prefix}*`]],
      });
      const on = (resource: unknown, action: string): Statement[] =>
        statements.filter(
          (s) =>
            asArray(s.Action).includes(action) && JSON.stringify(s.Resource) === JSON.stringify(resource),
        );

      // Act
      const exportsActions = statements
        .filter((s) => JSON.stringify(s.Resource) === JSON.stringify(objects('exports/')))
        .flatMap((s) => asArray(s.Action));
      const runsActions = statements
        .filter((s) => JSON.stringify(s.Resource) === JSON.stringify(objects('runs/')))
        .flatMap((s) => asArray(s.Action));
      const listed = on({ 'Fn::GetAtt': [bucketId, 'Arn'] }, 's3:ListBucket').flatMap(
        (s) => (s.Condition as { StringLike: { 's3:prefix': string[] } }).StringLike['s3:prefix'],
      );
      const tableActions = statements
        .filter((s) => JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] }))
        .flatMap((s) => asArray(s.Action));

      // Assess
      expect(exportsActions.sort()).toEqual(expected.exports);
      expect(runsActions.sort()).toEqual(expected.runs);
      expect(listed.sort()).toEqual(expected.list);
      expect(tableActions.sort()).toEqual(expected.table);
      // Nothing else but its logs and X-Ray: every statement is one of the above.
      const other = statements.filter(
        (s) =>
          !asArray(s.Action).every((a) => /^(logs:CreateLogStream|logs:PutLogEvents|xray:Put\w+)$/.test(a)) &&
          ![
            objects('exports/'),
            objects('runs/'),
            { 'Fn::GetAtt': [bucketId, 'Arn'] },
            { 'Fn::GetAtt': [tableId, 'Arn'] },
          ]
            .map((r) => JSON.stringify(r))
            .includes(JSON.stringify(s.Resource)),
      );
      expect(other).toEqual([]);
    },
  );

  it('writes nothing under exports/ from any stage: the export is read-only', () => {
    for (const stage of STAGES) {
      const writes = roleStatements(template, `NightlyStages${stage}Role`).filter(
        (s) =>
          asArray(s.Action).some((a) => /^s3:(Put|Delete)/.test(a)) &&
          JSON.stringify(s.Resource).includes('/exports/'),
      );
      expect(writes, stage).toEqual([]);
    }
  });
});

describe('the nightly stage functions with custom sizes and prefixes', () => {
  const { template } = buildStack({
    job: {
      memoryMb: 4096,
      timeoutMinutes: 10,
      ephemeralStorageMb: 4096,
      stages: { score: { memoryMb: 1769, timeoutMinutes: 15 }, plan: { ephemeralStorageMb: 1024 } },
    },
    settings: { exportsPrefix: 'incoming/', runsPrefix: 'artefacts/' },
  });
  const functions = Object.fromEntries(stageFunctions(template).map((f) => [f.stage, f.props]));

  it('sizes DuckDB stages from job, light stages from their defaults, and applies per-stage overrides', () => {
    expect(functions.Validate).toMatchObject({
      MemorySize: 4096,
      Timeout: 600,
      EphemeralStorage: { Size: 4096 },
    });
    expect(functions.Score).toMatchObject({
      MemorySize: 1769,
      Timeout: 900,
      EphemeralStorage: { Size: 4096 },
    });
    expect(functions.Plan).toMatchObject({
      MemorySize: 1024,
      Timeout: 600,
      EphemeralStorage: { Size: 1024 },
    });
    expect(functions.Fail).toMatchObject({ MemorySize: 1024, Timeout: 600, EphemeralStorage: { Size: 512 } });
  });

  it('scopes every S3 grant to the configured prefixes', () => {
    for (const stage of STAGES) {
      const s3 = JSON.stringify(
        roleStatements(template, `NightlyStages${stage}Role`).filter((s) =>
          asArray(s.Action).some((a) => a.startsWith('s3:')),
        ),
      );
      expect(s3, stage).not.toMatch(/\/(exports|runs)\/\*|"(exports|runs)\/\*"/);
      expect(s3, stage).toMatch(/incoming\/\*|artefacts\/\*/);
    }
  });
});
