import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface AlarmsProps {
  /** The nightly job function whose errors page someone. */
  readonly jobFunction: lambda.IFunction;
  /** The schedule's dead-letter queue. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * Address subscribed to the alarm topic (AWS sends a confirmation mail first).
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Window over which job errors are summed; one failed night should raise one alarm.
   * @default Duration.days(1)
   */
  readonly errorsPeriod?: Duration;
}

/** Alarm plumbing: a KMS-encrypted SNS topic and alarms on failed runs and undeliverable invocations. */
export class Alarms extends Construct {
  public readonly topic: sns.Topic;
  /** Customer-managed so CloudWatch may use it (the AWS-managed SNS key does not allow that). */
  public readonly topicKey: kms.Key;
  public readonly jobErrorsAlarm: cloudwatch.Alarm;
  public readonly deadLetterAlarm: cloudwatch.Alarm;

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

    this.jobErrorsAlarm = new cloudwatch.Alarm(this, 'JobErrors', {
      alarmDescription:
        'The nightly CLV job failed; see its log group and the run record in the results table.',
      metric: props.jobFunction.metricErrors({
        period: props.errorsPeriod ?? Duration.days(1),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'UndeliveredInvocations', {
      alarmDescription:
        'EventBridge Scheduler could not invoke the nightly job; the event is in the dead-letter queue.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [this.jobErrorsAlarm, this.deadLetterAlarm]) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
  }
}
