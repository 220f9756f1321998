import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type { Construct } from 'constructs';
import { type ClvConfig, stageSizes } from './config.js';
import { Alarms } from './constructs/alarms.js';
import { ExportsBucket } from './constructs/exports-bucket.js';
import { NightlySchedule } from './constructs/nightly-schedule.js';
import { NightlyStages, RUN_LOCK_LEASE_MARGIN } from './constructs/nightly-stages.js';
import { NightlyStateMachine } from './constructs/nightly-state-machine.js';
import { QueryApi } from './constructs/query-api.js';
import { ResultsTable } from './constructs/results-table.js';

export interface ClvStackProps extends StackProps {
  /** Validated deployment configuration (lib/config.ts). */
  readonly config: ClvConfig;
}

/**
 * The CLV engine: exports bucket → nightly state machine (on a schedule, one Lambda per stage) → results
 * table → Query API, with alarms.
 * Wiring only.
 */
export class ClvStack extends Stack {
  public readonly exportsBucket: ExportsBucket;
  public readonly resultsTable: ResultsTable;
  public readonly nightlyStages: NightlyStages;
  public readonly nightlyStateMachine: NightlyStateMachine;
  public readonly nightlySchedule: NightlySchedule;
  public readonly queryApi: QueryApi;
  public readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: ClvStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.exportsBucket = new ExportsBucket(this, 'Exports', {
      runsPrefix: config.settings.runsPrefix,
      runsExpiration: Duration.days(config.settings.retentionDays),
    });
    this.resultsTable = new ResultsTable(this, 'Results');
    const executionTimeout = Duration.hours(config.job.executionTimeoutHours);
    this.nightlyStages = new NightlyStages(this, 'NightlyStages', {
      bucket: this.exportsBucket.bucket,
      table: this.resultsTable.table,
      settings: config.settings,
      sizes: stageSizes(config.job),
      lockLease: executionTimeout.plus(RUN_LOCK_LEASE_MARGIN),
    });
    this.nightlyStateMachine = new NightlyStateMachine(this, 'Nightly', {
      bucket: this.exportsBucket.bucket,
      runsPrefix: config.settings.runsPrefix,
      functions: this.nightlyStages.functions,
      timeout: executionTimeout,
    });
    this.nightlySchedule = new NightlySchedule(this, 'NightlySchedule', {
      target: this.nightlyStateMachine.stateMachine,
      expression: config.schedule.expression,
      timezone: config.schedule.timezone,
    });
    this.queryApi = new QueryApi(this, 'QueryApi', {
      table: this.resultsTable.table,
      indexNames: this.resultsTable.indexNames,
      stageName: config.api.stageName,
      auth: config.api.auth,
      memoryMb: config.api.memoryMb,
      throttle: config.api.throttle,
      quota: { limit: config.api.quota.limit, period: apigateway.Period[config.api.quota.period] },
    });
    this.alarms = new Alarms(this, 'Alarms', {
      stateMachine: this.nightlyStateMachine.stateMachine,
      deadLetterQueue: this.nightlySchedule.deadLetterQueue,
      publishLogGroup: this.nightlyStages.logGroups.publish,
      alarmEmail: config.alarmEmail,
      // Per stack, so a second deployment's throttling metric (and alarm) stays its own.
      metricNamespace: this.stackName,
      api: {
        stage: this.queryApi.stage,
        function: this.queryApi.function,
        accessLogGroup: this.queryApi.accessLogGroup,
      },
    });

    new CfnOutput(this, 'ExportsBucketName', {
      description: 'Upload exports under exports/<yyyy-mm-dd>/<dataset>/',
      value: this.exportsBucket.bucket.bucketName,
    });
    new CfnOutput(this, 'ResultsTableName', { value: this.resultsTable.table.tableName });
    new CfnOutput(this, 'StateMachineArn', {
      description: 'The nightly job; start an execution with {"exportDate": "yyyy-mm-dd"} to rerun a date',
      value: this.nightlyStateMachine.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'StateMachineLogGroupName', {
      value: this.nightlyStateMachine.logGroup.logGroupName,
    });
    new CfnOutput(this, 'PublishLogGroupName', {
      description: "The publish stage's logs (its `run published` lines feed the PublishOverdue alarm)",
      value: this.nightlyStages.logGroups.publish.logGroupName,
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.nightlySchedule.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'ApiUrl', {
      description: 'Query API base URL (the stage, no trailing slash); routes are <ApiUrl>/v1/...',
      // RestApi.url ends in "/", which turns "$ApiUrl/v1/..." into "//v1"; this is the same URL without it.
      value: `https://${this.queryApi.api.restApiId}.execute-api.${this.region}.${this.urlSuffix}/${this.queryApi.stage.stageName}`,
    });
    new CfnOutput(this, 'ApiFunctionName', { value: this.queryApi.function.functionName });
    new CfnOutput(this, 'ApiAccessLogGroupName', { value: this.queryApi.accessLogGroup.logGroupName });
    const { apiKey } = this.queryApi;
    if (apiKey) {
      new CfnOutput(this, 'ApiKeyId', { value: apiKey.keyId });
      new CfnOutput(this, 'ApiKeyValueCommand', {
        description: 'Prints the API key to send as the x-api-key header',
        value: `aws apigateway get-api-key --api-key ${apiKey.keyId} --include-value --query value --output text`,
      });
    }
  }
}
