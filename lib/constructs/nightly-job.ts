import { Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { JobSettings } from '../../lambdas/platform/config.js';
import { esmBundling, PROJECT_ROOT } from './esm-bundling.js';

/** Native packages the bundle loads at run time from `node_modules` beside `index.mjs`. */
const RUNTIME_PACKAGES = [
  '@duckdb/node-api',
  '@duckdb/node-bindings',
  '@duckdb/node-bindings-linux-x64',
  'detect-libc',
];

/**
 * How much longer than the function timeout the run lock's lease lasts: enough for clock skew between
 * hosts, shorter than the 1 minute Lambda waits before retrying a timed-out asynchronous invocation, so
 * the retry finds the dead run's lease expired and takes the lock over instead of skipping.
 */
export const RUN_LOCK_LEASE_MARGIN = Duration.seconds(30);

/** The item-level DynamoDB actions the job needs: no scans, no table administration. */
export const RESULTS_TABLE_ACTIONS = [
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];

export interface NightlyJobProps {
  /** Bucket holding exports (read) and run artefacts (written). */
  readonly bucket: s3.IBucket;
  /** Table the results are published to. */
  readonly table: dynamodb.ITableV2;
  /** Job settings, passed as CLV_SETTINGS; their prefixes scope the S3 grants. */
  readonly settings: JobSettings;
  /**
   * Function memory in MB.
   * @default 3008
   */
  readonly memoryMb?: number;
  /**
   * Function timeout.
   * @default Duration.minutes(15)
   */
  readonly timeout?: Duration;
  /**
   * Size of /tmp in MB (downloads and DuckDB spill files).
   * @default 10240
   */
  readonly ephemeralStorageMb?: number;
  /**
   * Retries of a failed asynchronous invocation (0–2).
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * How long an asynchronous invocation may wait before Lambda drops it.
   * @default Duration.hours(6)
   */
  readonly maxEventAge?: Duration;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Handler source file exporting `handler`.
   * @default '<project>/lambdas/handlers/nightly-job.ts'
   */
  readonly entry?: string;
}

/**
 * The nightly job: one Lambda function (ESM bundle + DuckDB native packages copied beside it), its role with
 * prefix- and table-scoped grants only, and its log group.
 * No reserved concurrency: a new account's default quota (10) refuses any reservation; overlapping
 * invocations (the schedule firing twice, a manual run during the nightly one) are kept apart by the run
 * lock in the results table instead (`RUN_LOCK_LEASE_SECONDS`, lambdas/publish/run-lock.ts).
 */
export class NightlyJob extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NightlyJobProps) {
    super(scope, id);
    const { bucket, table, settings } = props;
    const timeout = props.timeout ?? Duration.minutes(15);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: logs go to this log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Nightly CLV job: read exports, write run artefacts and results',
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry ?? `${PROJECT_ROOT}lambdas/handlers/nightly-job.ts`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.X86_64,
      memorySize: props.memoryMb ?? 3008,
      timeout,
      ephemeralStorageSize: Size.mebibytes(props.ephemeralStorageMb ?? 10240),
      retryAttempts: props.retryAttempts ?? 2,
      maxEventAge: props.maxEventAge ?? Duration.hours(6),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      description: 'Nightly CLV run: exports in S3 -> DuckDB ingest -> model -> DynamoDB',
      environment: {
        EXPORTS_BUCKET: bucket.bucketName,
        RESULTS_TABLE: table.tableName,
        CLV_SETTINGS: JSON.stringify(settings),
        RUN_LOCK_LEASE_SECONDS: String(timeout.toSeconds() + RUN_LOCK_LEASE_MARGIN.toSeconds()),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: esmBundling({
        sourceMap: true,
        sourcesContent: false,
        // DuckDB's native packages are copied beside the bundle (afterBundling), not bundled.
        externalModules: ['@duckdb/*'],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // `nodeModules` would run npm ci against a lock file that only has this platform's optional
          // packages, so the installed DuckDB packages (linux-x64 binary) are copied instead.
          afterBundling: (inputDir: string, outputDir: string) => [
            `mkdir -p "${outputDir}/node_modules/@duckdb"`,
            ...RUNTIME_PACKAGES.map(
              (pkg) => `cp -RL "${inputDir}/node_modules/${pkg}" "${outputDir}/node_modules/${pkg}"`,
            ),
          ],
        },
      }),
    });

    const exportsObjects = bucket.arnForObjects(`${settings.exportsPrefix}*`);
    const runsObjects = bucket.arnForObjects(`${settings.runsPrefix}*`);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadExports',
        actions: ['s3:GetObject'],
        resources: [exportsObjects],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ListExports',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${settings.exportsPrefix}*`] } },
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteRunArtefacts',
        actions: ['s3:PutObject'],
        resources: [runsObjects],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadWriteResults',
        actions: RESULTS_TABLE_ACTIONS,
        resources: [table.tableArn],
      }),
    );

    const nagId = (token: string): string => nagResource(Stack.of(this).resolve(token));
    Validations.of(this.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${nagId(exportsObjects)}]`,
        reason: `Read access is limited to objects under the exports prefix "${settings.exportsPrefix}".`,
      },
      {
        id: `AwsSolutions-IAM5[Resource::${nagId(runsObjects)}]`,
        reason: `Write access is limited to objects under the run artefacts prefix "${settings.runsPrefix}".`,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
      },
    );
  }
}

/** Renders a resolved CloudFormation reference the way cdk-nag names it in IAM5 findings (`<Id.Arn>/p/*`). */
function nagResource(node: unknown): string {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(nagResource).join(delimiter);
    }
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [string, string];
      return `<${resource}.${attribute}>`;
    }
    if (typeof o.Ref === 'string') return `<${o.Ref}>`;
  }
  return JSON.stringify(node);
}
