import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { NIGHTLY_STAGES, type NightlyStage } from '../config.js';
import { nagResource } from './nag-resource.js';

/** Errors of the Lambda service itself (not of our code): safe to retry, the function did not run. */
export const TRANSIENT_LAMBDA_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** How much longer than its function's timeout a task state waits before it times out itself. */
export const TASK_TIMEOUT_MARGIN = Duration.minutes(1);

export interface NightlyStateMachineProps {
  /** The exports bucket: the Distributed Maps read their item manifests from it. */
  readonly bucket: s3.IBucket;
  /** Where the manifests live (under each run's work prefix): the only keys the item readers may get. */
  readonly runsPrefix: string;
  /** One function per stage (NightlyStages); each task times out a little after its function. */
  readonly functions: Readonly<Record<NightlyStage, lambda.Function>>;
  /**
   * The whole execution's limit; the run lock's lease must outlast it.
   * @default Duration.hours(4)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the execution log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The sharded nightly job (docs/operations.md, "The state machine"): plan, then in one Parallel branch
 * (so one Catch covers every stage) Distributed Maps over the export's files and the customer shards
 * with single steps between them; any failure records the run as failed and fails the execution.
 */
export class NightlyStateMachine extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NightlyStateMachineProps) {
    super(scope, id);
    const { functions } = props;
    const run = sfn.JsonPath.objectAt('$.plan.run');

    /** A Lambda task returning the function's result itself, retried on Lambda service errors only. */
    const invoke = (stateId: string, stage: NightlyStage, extra: Partial<tasks.LambdaInvokeProps> = {}) => {
      const fn = functions[stage];
      const task = new tasks.LambdaInvoke(this, stateId, {
        lambdaFunction: fn,
        payloadResponseOnly: true,
        // Replaced by the explicit retrier below (with full jitter and throttling included).
        retryOnServiceExceptions: false,
        // Lambda's own default timeout is 3 s; the stage functions always set one.
        taskTimeout: sfn.Timeout.duration((fn.timeout ?? Duration.seconds(3)).plus(TASK_TIMEOUT_MARGIN)),
        ...extra,
      });
      task.addRetry({
        errors: TRANSIENT_LAMBDA_ERRORS,
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 6,
        jitterStrategy: sfn.JitterType.FULL,
      });
      return task;
    };

    /** A Distributed Map over a manifest the plan wrote; each child runs `stage` on one item. */
    const fanOut = (
      stateId: string,
      itemStateId: string,
      stage: NightlyStage,
      manifest: 'files' | 'shards' | 'scoreParts',
      concurrency: 'fileConcurrency' | 'shardConcurrency' | 'scoreConcurrency',
      extraSelection: Record<string, unknown> = {},
    ) =>
      new DistributedMapFailingOnAnyItem(this, stateId, {
        itemReader: new RunManifestReader(props.bucket.arnForObjects(`${props.runsPrefix}*`), {
          bucket: props.bucket,
          key: sfn.JsonPath.stringAt(`$.plan.run.manifests.${manifest}`),
        }),
        itemSelector: { run, item: sfn.JsonPath.objectAt('$$.Map.Item.Value'), ...extraSelection },
        maxConcurrencyPath: sfn.JsonPath.stringAt(`$.plan.run.layout.${concurrency}`),
        toleratedFailurePercentage: 0,
        label: stateId,
        // Stages write their outputs to the work prefix; the children's results are not needed.
        resultPath: sfn.JsonPath.DISCARD,
      }).itemProcessor(
        // `{}` per child: a Map's gathered results must fit 256 KB whatever the number of items.
        invoke(itemStateId, stage, { outputPath: sfn.JsonPath.DISCARD }),
      );

    const runInput = sfn.TaskInput.fromObject({ run });
    const steps = sfn.Chain.start(
      fanOut('PartitionFiles', 'PartitionFile', 'partition', 'files', 'fileConcurrency'),
    )
      .next(fanOut('ValidateShards', 'ValidateShard', 'validate', 'shards', 'shardConcurrency'))
      .next(invoke('Gate', 'gate', { payload: runInput, resultPath: '$.gate' }))
      .next(
        fanOut('SummariseShards', 'SummariseShard', 'summarise', 'shards', 'shardConcurrency', {
          range: sfn.JsonPath.objectAt('$.gate.range'),
        }),
      )
      .next(
        invoke('Fit', 'fit', {
          payload: sfn.TaskInput.fromObject({ run, range: sfn.JsonPath.objectAt('$.gate.range') }),
          resultPath: '$.fit',
        }),
      )
      // The publish fan-out: customers go to DynamoDB part by part (the fit cut shards into parts small
      // enough for one invocation's writes); any failed part fails the run.
      .next(fanOut('ScoreParts', 'ScorePart', 'score', 'scoreParts', 'scoreConcurrency'))
      .next(invoke('Publish', 'publish', { payload: runInput, resultPath: '$.publish' }))
      .next(invoke('Finish', 'finish', { payload: runInput, resultPath: sfn.JsonPath.DISCARD }));

    const runFailed = new sfn.Fail(this, 'RunFailed', {
      comment: 'The run is recorded as failed; the previous run stays current.',
      errorPath: '$.error.Error',
      causePath: '$.error.Cause',
    });
    const markRunFailed = invoke('MarkRunFailed', 'fail', {
      payload: sfn.TaskInput.fromObject({ run, error: sfn.JsonPath.objectAt('$.error') }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    // If even recording the failure fails, the execution still fails with the run's own error.
    markRunFailed.addCatch(runFailed, { resultPath: '$.markRunFailedError' });
    markRunFailed.next(runFailed);

    const stages = new sfn.Parallel(this, 'Run', {
      comment: 'One branch, so that one Catch covers every stage after the plan.',
      resultSelector: { 'published.$': '$[0].publish' },
    })
      .branch(steps)
      .addCatch(markRunFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' })
      .next(new sfn.Succeed(this, 'Published'));

    const definition = sfn.Chain.start(invoke('Plan', 'plan', { resultPath: '$.plan' })).next(
      new sfn.Choice(this, 'SkipOrRun')
        .when(
          sfn.Condition.stringEquals('$.plan.status', 'skipped'),
          new sfn.Succeed(this, 'Skipped', {
            comment: 'Another run holds the lock, or the export is already published unchanged.',
          }),
        )
        .otherwise(stages),
    );

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      // The vended-logs prefix keeps CloudWatch Logs' resource policy short however many groups there are.
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-nightly`,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Nightly CLV run over sharded exports (docs/operations.md)',
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: props.timeout ?? Duration.hours(4),
      tracingEnabled: true,
      // Without execution data: every state's input and output, thousands of Map children's included, would
      // multiply the log volume; the execution history keeps them for 90 days anyway.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    this.acknowledgeWildcards(props);
  }

  /** cdk-nag IAM5: every wildcard the state machine's role holds, one by one, with its reason. */
  private acknowledgeWildcards({ functions, bucket, runsPrefix }: NightlyStateMachineProps): void {
    const sm = this.stateMachine;
    // The name as CDK's Distributed Map grant derives it (from the ARN), not the resource's Name attribute.
    const name = nagResource(
      this,
      Stack.of(this).splitArn(sm.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName ?? '',
    );
    const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${name}`;
    // On the role: its default policy (invoke, manifests, logging, X-Ray).
    Validations.of(sm.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${nagResource(this, bucket.arnForObjects(`${runsPrefix}*`))}]`,
        reason: `The Distributed Maps read their item manifests from run folders under "${runsPrefix}" only.`,
      },
      ...NIGHTLY_STAGES.map((stage) => ({
        id: `AwsSolutions-IAM5[Resource::${nagResource(this, functions[stage].functionArn)}:*]`,
        reason: `Invoking the ${stage} stage: the qualified ARNs (versions, aliases) of that single function.`,
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray (traces, sampling rules) and the CloudWatch Logs delivery actions of state machine logging ' +
          'support no resource-level permissions.',
      },
    );
    // On the state machine: CDK attaches the Distributed Map policy there, not to the role's default policy.
    Validations.of(sm).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${executions}:*]`,
        reason: 'Distributed Map: describe and stop the child executions of this state machine only.',
      },
      ...['PartitionFiles', 'ValidateShards', 'SummariseShards', 'ScoreParts'].map((label) => ({
        id: `AwsSolutions-IAM5[Resource::${executions}/${label}:*]`,
        reason: `Distributed Map ${label}: redrive its own child executions only.`,
      })),
    );
  }
}

/**
 * Reads a manifest (a JSON array) the plan wrote. The stock reader would allow s3:GetObject on the whole
 * bucket, exports included; the manifests are under the runs prefix, so that is all it may read.
 */
class RunManifestReader extends sfn.S3JsonItemReader {
  constructor(
    private readonly objects: string,
    props: sfn.S3FileItemReaderProps,
  ) {
    super(props);
  }

  override providePolicyStatements(): iam.PolicyStatement[] {
    return [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.objects] })];
  }
}

/**
 * A Distributed Map whose ASL states `ToleratedFailurePercentage: 0`: CDK 2.276 renders the field only when
 * it is truthy, so 0 (the strictest tolerance, and the one this job relies on) would silently vanish.
 */
class DistributedMapFailingOnAnyItem extends sfn.DistributedMap {
  override toStateJson(queryLanguage?: sfn.QueryLanguage): object {
    return { ...super.toStateJson(queryLanguage), ToleratedFailurePercentage: 0 };
  }
}
