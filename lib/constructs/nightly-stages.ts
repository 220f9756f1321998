import { Duration, Size, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { JobSettings } from '../../lambdas/platform/config.js';
import { NIGHTLY_STAGES, type NightlyStage, type StageSize } from '../config.js';
import { PROJECT_ROOT } from './esm-bundling.js';
import { nagResource } from './nag-resource.js';
import { stageCode } from './stage-code.js';

/**
 * How much longer than the state machine's timeout the run lock's lease lasts. The plan stage takes the
 * lock a few seconds after the execution starts, so the lease always ends after the execution's deadline:
 * an execution that timed out (and could not give the lock back) blocks the next one for this long at most.
 */
export const RUN_LOCK_LEASE_MARGIN = Duration.minutes(5);

type ObjectAction = 's3:GetObject' | 's3:PutObject' | 's3:DeleteObject';

/** What one stage may do: S3 actions per prefix (ListBucket = listing that prefix) and table actions. */
export interface StageAccess {
  readonly exports: readonly ('s3:GetObject' | 's3:ListBucket')[];
  /** The runs prefix holds every run's work prefix (`<runsPrefix><runId>/work/`) and its rejects CSV. */
  readonly runs: readonly (ObjectAction | 's3:ListBucket')[];
  readonly table: readonly `dynamodb:${string}`[];
}

/** Reads its predecessors' work objects by key (never lists them) and writes its own. */
const WORK_READ_WRITE = ['s3:GetObject', 's3:PutObject'] as const;

/**
 * Each stage's grants: exactly the calls its code sends (lambdas/pipeline/sharded/*, the run lock, the
 * results store and the work store), read from the code, not guessed; the infra tests write the same lists
 * out independently. Work objects are read at keys derived from the run (work-keys.ts): only removing the
 * work prefix lists it. A stage that starts sending another call needs it here, or it gets AccessDenied.
 */
export const STAGE_ACCESS: Readonly<Record<NightlyStage, StageAccess>> = {
  // Lists the export and pending dates, writes the Map manifests; the lock (Put, Get, Delete on a
  // refusal), the current run and its record (Get), a failed record when it refuses the date (Put).
  plan: {
    exports: ['s3:ListBucket'],
    runs: ['s3:PutObject'],
    table: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
  },
  // Reads one export file, writes its rows by shard and its rejects.
  partition: { exports: ['s3:GetObject'], runs: ['s3:PutObject'], table: [] },
  validate: { exports: [], runs: WORK_READ_WRITE, table: [] },
  // Also writes the rejects CSV under the runs prefix.
  gate: { exports: [], runs: WORK_READ_WRITE, table: [] },
  summarise: { exports: [], runs: WORK_READ_WRITE, table: [] },
  // The run record (Put) and the segment manifest rows (BatchWrite).
  fit: { exports: [], runs: WORK_READ_WRITE, table: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'] },
  // Customers and members (BatchWrite); its CLVs and partial segment aggregates go to the work prefix.
  score: { exports: [], runs: WORK_READ_WRITE, table: ['dynamodb:BatchWriteItem'] },
  // The results store's publish: segments (BatchWrite), record and pointer (Put), the sweep of older
  // and dead runs (Query, Get, Update, BatchWrite deletes).
  publish: {
    exports: [],
    runs: ['s3:GetObject'],
    table: [
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ],
  },
  // Removes the work prefix (List, Delete), gives the lock back.
  finish: { exports: [], runs: ['s3:DeleteObject', 's3:ListBucket'], table: ['dynamodb:DeleteItem'] },
  // The same, after writing the failed run record with the gate's counts when the gate got that far.
  fail: {
    exports: [],
    runs: ['s3:DeleteObject', 's3:GetObject', 's3:ListBucket'],
    table: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
  },
};

const DESCRIPTIONS: Readonly<Record<NightlyStage, string>> = {
  plan: 'CLV nightly 1/9 plan: locate the export, take the run lock, size the run, write the manifests',
  partition: 'CLV nightly 2/9 partition (per file): read and check a file, write its rows by customer shard',
  validate: 'CLV nightly 3/9 validate (per shard): duplicates and acquisition rules across files',
  gate: 'CLV nightly 4/9 gate: rejects CSV, reject threshold, currencies, order date range',
  summarise: 'CLV nightly 5/9 summarise (per shard): per-customer summaries',
  fit: 'CLV nightly 6/9 fit: run context and predictive models on every customer',
  score: 'CLV nightly 7/9 score (per shard): score customers, write them to DynamoDB',
  publish: 'CLV nightly 8/9 publish: segments and CAC, then the current-run pointer',
  finish: 'CLV nightly 9/9 finish: remove the work prefix, give the lock back',
  fail: 'CLV nightly, on failure: record the run as failed, remove the work prefix, give the lock back',
};

export interface NightlyStagesProps {
  /** Bucket holding exports (read) and run artefacts and work objects (written). */
  readonly bucket: s3.IBucket;
  /** Table the results are published to. */
  readonly table: dynamodb.ITableV2;
  /** Job settings, passed as CLV_SETTINGS; their prefixes scope the S3 grants. */
  readonly settings: JobSettings;
  /** Memory, timeout and /tmp per stage (lib/config.ts `stageSizes`). */
  readonly sizes: Readonly<Record<NightlyStage, StageSize>>;
  /** The run lock's lease (RUN_LOCK_LEASE_SECONDS): longer than a whole execution. */
  readonly lockLease: Duration;
  /**
   * Retention of each stage's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Handler module exporting one function per stage.
   * @default '<project>/lambdas/handlers/sharded-stages.ts'
   */
  readonly entry?: string;
}

/**
 * The sharded nightly job's Lambda functions, one per stage, all running the same bundle (one asset)
 * with their own handler, role (exactly `STAGE_ACCESS`) and log group. No reserved concurrency: a new
 * account's default quota refuses any reservation; the Maps' MaxConcurrency bounds the fan-out.
 */
export class NightlyStages extends Construct {
  public readonly functions: Readonly<Record<NightlyStage, lambda.Function>>;
  public readonly roles: Readonly<Record<NightlyStage, iam.Role>>;
  public readonly logGroups: Readonly<Record<NightlyStage, logs.LogGroup>>;

  constructor(scope: Construct, id: string, props: NightlyStagesProps) {
    super(scope, id);
    const code = stageCode(props.entry ?? `${PROJECT_ROOT}lambdas/handlers/sharded-stages.ts`);
    const environment = {
      EXPORTS_BUCKET: props.bucket.bucketName,
      RESULTS_TABLE: props.table.tableName,
      CLV_SETTINGS: JSON.stringify(props.settings),
      // Every stage builds the store and the lock with the same lease (the publish sweep uses it too).
      RUN_LOCK_LEASE_SECONDS: String(props.lockLease.toSeconds()),
      NODE_OPTIONS: '--enable-source-maps',
    };
    const functions: Partial<Record<NightlyStage, lambda.Function>> = {};
    const roles: Partial<Record<NightlyStage, iam.Role>> = {};
    const logGroups: Partial<Record<NightlyStage, logs.LogGroup>> = {};
    for (const stage of NIGHTLY_STAGES) {
      const holder = new Construct(this, pascal(stage));
      const size = props.sizes[stage];
      const logGroup = new logs.LogGroup(holder, 'LogGroup', {
        retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      });
      // An explicit role instead of AWSLambdaBasicExecutionRole: logs go to this log group only.
      const role = new iam.Role(holder, 'Role', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `CLV nightly stage ${stage}`,
      });
      logGroup.grantWrite(role);
      functions[stage] = new lambda.Function(holder, 'Function', {
        code,
        handler: `index.${stage}`,
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.X86_64,
        memorySize: size.memoryMb,
        timeout: Duration.minutes(size.timeoutMinutes),
        ephemeralStorageSize: Size.mebibytes(size.ephemeralStorageMb),
        tracing: lambda.Tracing.ACTIVE,
        role,
        logGroup,
        description: DESCRIPTIONS[stage],
        environment,
      });
      grantStageAccess(role, STAGE_ACCESS[stage], props);
      roles[stage] = role;
      logGroups[stage] = logGroup;
    }
    this.functions = functions as Record<NightlyStage, lambda.Function>;
    this.roles = roles as Record<NightlyStage, iam.Role>;
    this.logGroups = logGroups as Record<NightlyStage, logs.LogGroup>;
  }
}

/** Adds the stage's statements to its role and acknowledges each prefix wildcard by name in cdk-nag. */
function grantStageAccess(role: iam.Role, access: StageAccess, props: NightlyStagesProps): void {
  const { bucket, table, settings } = props;
  const acks = [
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
    },
  ];
  const prefixes = [
    { sid: 'Exports', prefix: settings.exportsPrefix, actions: access.exports as readonly string[] },
    { sid: 'Runs', prefix: settings.runsPrefix, actions: access.runs as readonly string[] },
  ];
  for (const { sid, prefix, actions } of prefixes) {
    const objectActions = actions.filter((a) => a !== 's3:ListBucket');
    if (objectActions.length > 0) {
      const objects = bucket.arnForObjects(`${prefix}*`);
      role.addToPolicy(
        new iam.PolicyStatement({ sid: `${sid}Objects`, actions: objectActions, resources: [objects] }),
      );
      acks.push({
        id: `AwsSolutions-IAM5[Resource::${nagResource(role, objects)}]`,
        reason: `Object access (${objectActions.join(', ')}) is limited to keys under the prefix "${prefix}".`,
      });
    }
    if (actions.includes('s3:ListBucket')) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: `List${sid}`,
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
        }),
      );
    }
  }
  if (access.table.length > 0) {
    role.addToPolicy(
      new iam.PolicyStatement({ sid: 'Results', actions: [...access.table], resources: [table.tableArn] }),
    );
  }
  Validations.of(role).acknowledge(...acks);
}

const pascal = (stage: string): string => stage.charAt(0).toUpperCase() + stage.slice(1);
