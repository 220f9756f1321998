import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** What the Query API alarms watch. */
export interface ApiAlarmTargets {
  /** The API's stage (its `5XXError` and `Count` metrics). */
  readonly stage: apigateway.Stage;
  /** The function behind every route. */
  readonly function: lambda.IFunction;
  /** The stage's access log group, in `AccessLogFormat.jsonWithStandardFields` (status as a string). */
  readonly accessLogGroup: logs.ILogGroup;
}

export interface AlarmsProps {
  /** The nightly state machine: a failed, timed-out or aborted execution pages someone. */
  readonly stateMachine: sfn.IStateMachine;
  /** The schedule's dead-letter queue. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * Address subscribed to the alarm topic (AWS sends a confirmation mail first).
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Window over which unsuccessful executions are summed; one failed night should raise one alarm.
   * @default Duration.days(1)
   */
  readonly failuresPeriod?: Duration;
  /**
   * The Query API; adds alarms on its server-error rate, throttled requests and function errors.
   * @default - no API alarms
   */
  readonly api?: ApiAlarmTargets;
  /**
   * The log group of the stage that publishes (it logs `run published` once per published run); adds an
   * alarm when no run has been published for `publishOverdueDays` (a night that is skipped raises nothing
   * else when it keeps happening quietly).
   * @default - no such alarm
   */
  readonly publishLogGroup?: logs.ILogGroup;
  /**
   * Days in a row without a published run before the overdue alarm fires.
   * @default 2
   */
  readonly publishOverdueDays?: number;
  /**
   * Namespace of the metrics this construct derives from logs (throttled API requests, runs published).
   * @default 'ClvEngine'
   */
  readonly metricNamespace?: string;
}

/**
 * Alarm plumbing: a KMS-encrypted SNS topic and alarms on failed executions and undeliverable starts, plus (with
 * `api`) on the Query API's server-error rate, throttled requests and function errors.
 */
export class Alarms extends Construct {
  public readonly topic: sns.Topic;
  /** Customer-managed so CloudWatch may use it (the AWS-managed SNS key does not allow that). */
  public readonly topicKey: kms.Key;
  public readonly failedExecutionsAlarm: cloudwatch.Alarm;
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  public readonly apiServerErrorsAlarm?: cloudwatch.Alarm;
  /** Counts access log lines with status 429 (throttled or over quota). */
  public readonly apiThrottledFilter?: logs.MetricFilter;
  public readonly apiThrottledAlarm?: cloudwatch.Alarm;
  public readonly apiFunctionErrorsAlarm?: cloudwatch.Alarm;
  /** Counts the publish stage's `run published` log lines. */
  public readonly runsPublishedFilter?: logs.MetricFilter;
  public readonly publishOverdueAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);

    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the CLV engine alarm topic',
      enableKeyRotation: true,
    });
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'CLV engine alarms',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const notify = new actions.SnsAction(this.topic);

    const period = props.failuresPeriod ?? Duration.days(1);
    const { stateMachine } = props;
    this.failedExecutionsAlarm = new cloudwatch.Alarm(this, 'FailedExecutions', {
      alarmDescription:
        'A nightly CLV execution failed, timed out or was aborted; readers still see the previous run. First ' +
        'steps: open the execution in the Step Functions console (output StateMachineArn) and find the ' +
        'failed state; read the failed run record (GET /v1/runs, failure.stage and failure.message); see ' +
        'that stage\'s log group. Fix the cause, then start an execution with {"exportDate": "<date>"} ' +
        '(docs/operations.md, "The state machine"). A timed-out or aborted execution could not record its ' +
        'run as failed and holds the run lock until its lease ends.',
      metric: new cloudwatch.MathExpression({
        // FILL: a night with failures but no timeouts has no TimedOut datapoint, and a sum with a gap is a gap.
        expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
        label: 'Unsuccessful nightly executions',
        usingMetrics: {
          failed: stateMachine.metricFailed({ period, statistic: cloudwatch.Stats.SUM }),
          timedOut: stateMachine.metricTimedOut({ period, statistic: cloudwatch.Stats.SUM }),
          aborted: stateMachine.metricAborted({ period, statistic: cloudwatch.Stats.SUM }),
        },
        period,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'UndeliveredInvocations', {
      alarmDescription:
        'EventBridge Scheduler could not start the nightly state machine; the event is in the dead-letter ' +
        'queue with the reason. Fix it, then start an execution by hand with {}.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const alarms = [this.failedExecutionsAlarm, this.deadLetterAlarm];
    const metricNamespace = props.metricNamespace ?? 'ClvEngine';

    if (props.publishLogGroup) {
      const days = props.publishOverdueDays ?? 2;
      this.runsPublishedFilter = new logs.MetricFilter(this, 'RunsPublishedFilter', {
        logGroup: props.publishLogGroup,
        // The publish stage logs exactly one `run published` line per run it publishes (Powertools: "message").
        filterPattern: logs.FilterPattern.stringValue('$.message', '=', 'run published'),
        metricNamespace,
        metricName: 'RunsPublished',
        metricValue: '1',
      });
      this.publishOverdueAlarm = new cloudwatch.Alarm(this, 'PublishOverdue', {
        alarmDescription:
          `No run has been published for ${days} day(s): the exports stopped arriving, arrive without ` +
          '_SUCCESS (runs are skipped as already published), or every run fails or is skipped. Readers still ' +
          "see the last published run; see the state machine's executions, the publish stage's log group and /v1/runs.",
        metric: this.runsPublishedFilter.metric({
          period: Duration.days(1),
          statistic: cloudwatch.Stats.SUM,
        }),
        threshold: 1,
        evaluationPeriods: days,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        // No `run published` line at all is exactly what this alarm is about.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      alarms.push(this.publishOverdueAlarm);
    }

    if (props.api) {
      const { stage, accessLogGroup } = props.api;
      const fiveMinutes = Duration.minutes(5);
      this.apiServerErrorsAlarm = new cloudwatch.Alarm(this, 'ApiServerErrorRate', {
        alarmDescription:
          'More than 5% of Query API requests answered 5xx in 2 of the last 3 five-minute periods. One stray ' +
          'failure or a brief DynamoDB blip stays within one period; callers are a few BI refreshes, so ' +
          'demanding 3 of 3 would miss a broken API that is only queried for ten minutes. Periods without ' +
          'requests count as fine. See the API function log group and the access logs.',
        metric: new cloudwatch.MathExpression({
          expression: 'errors / requests',
          label: 'Query API 5xx rate',
          usingMetrics: {
            errors: stage.metricServerError({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
            requests: stage.metricCount({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
          },
          period: fiveMinutes,
        }),
        threshold: 0.05,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });

      this.apiThrottledFilter = new logs.MetricFilter(this, 'ApiThrottledFilter', {
        logGroup: accessLogGroup,
        // jsonWithStandardFields writes "status":"$context.status", a JSON string, hence a string match.
        filterPattern: logs.FilterPattern.stringValue('$.status', '=', '429'),
        metricNamespace,
        metricName: 'ApiThrottled',
        metricValue: '1',
      });
      this.apiThrottledAlarm = new cloudwatch.Alarm(this, 'ApiThrottled', {
        alarmDescription:
          'At least 10 Query API requests in 5 minutes were refused with 429 (stage or usage-plan throttle, ' +
          'or the API key quota). A client retrying a few times after Retry-After stays below that; 10 means ' +
          'a caller is being turned away: raise api.throttle / api.quota or find the noisy client.',
        metric: this.apiThrottledFilter.metric({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
        threshold: 10,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });

      this.apiFunctionErrorsAlarm = new cloudwatch.Alarm(this, 'ApiFunctionErrors', {
        alarmDescription:
          'The Query API function threw or timed out (5xx answers it writes itself are not counted here but ' +
          'in the 5xx rate alarm); see its log group and X-Ray traces.',
        metric: props.api.function.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarms.push(this.apiServerErrorsAlarm, this.apiThrottledAlarm, this.apiFunctionErrorsAlarm);
    }

    for (const alarm of alarms) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
  }
}
