import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface NightlyScheduleProps {
  /** The state machine the schedule starts an execution of, with input `{}`. */
  readonly target: sfn.IStateMachine;
  /**
   * EventBridge Scheduler expression, evaluated in `timezone`.
   * @default 'cron(0 2 * * ? *)'
   */
  readonly expression?: string;
  /**
   * IANA time zone of the expression.
   * @default 'UTC'
   */
  readonly timezone?: string;
  /**
   * Scheduler retries when starting the execution itself fails (throttling, service errors).
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * How long Scheduler keeps retrying one start before it goes to the dead-letter queue.
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
  /**
   * Retention of undeliverable starts in the dead-letter queue.
   * @default Duration.days(14)
   */
  readonly deadLetterRetention?: Duration;
}

/**
 * The nightly trigger: an EventBridge Scheduler schedule (no flexible window) whose role may only start the
 * state machine, with a retry policy and an encrypted, TLS-only dead-letter queue for starts it could not
 * deliver.
 */
export class NightlySchedule extends Construct {
  public readonly schedule: scheduler.Schedule;
  /** Starts Scheduler gave up on; the alarms watch it. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Assumed by Scheduler: start the state machine, send to the dead-letter queue, nothing else. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: NightlyScheduleProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetention ?? Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the schedule; cdk-nag only recognises SQS redrive.',
    });

    this.role = new iam.Role(this, 'Role', {
      description: 'EventBridge Scheduler: start the nightly CLV state machine',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: 'default',
            }),
          },
        },
      }),
    });

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Nightly CLV run',
      schedule: scheduler.ScheduleExpression.expression(
        props.expression ?? 'cron(0 2 * * ? *)',
        TimeZone.of(props.timezone ?? 'UTC'),
      ),
      timeWindow: scheduler.TimeWindow.off(),
      target: new targets.StepFunctionsStartExecution(props.target, {
        role: this.role,
        input: scheduler.ScheduleTargetInput.fromObject({}),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: props.retryAttempts ?? 3,
        maxEventAge: props.maxEventAge ?? Duration.hours(1),
      }),
    });
  }
}
