import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { runLockLeaseMs } from '../../lambdas/handlers/nightly-handler.js';
import {
  type AslState,
  allStates,
  asArray,
  buildStack,
  onlyResource,
  resourceProps,
  roleStatements,
  stateMachineDefinition,
} from './stack-fixture.js';

/** The distributed maps, the stage their children run, the manifest they read and their concurrency. */
const MAPS = [
  {
    name: 'PartitionFiles',
    child: 'PartitionFile',
    stage: 'Partition',
    manifest: 'files',
    limit: 'fileConcurrency',
  },
  {
    name: 'ValidateShards',
    child: 'ValidateShard',
    stage: 'Validate',
    manifest: 'shards',
    limit: 'shardConcurrency',
  },
  {
    name: 'SummariseShards',
    child: 'SummariseShard',
    stage: 'Summarise',
    manifest: 'shards',
    limit: 'shardConcurrency',
  },
  {
    name: 'ScoreParts',
    child: 'ScorePart',
    stage: 'Score',
    manifest: 'scoreParts',
    limit: 'scoreConcurrency',
  },
];

/** Task state → the stage function it must invoke (logical id prefix). */
const TASKS: Record<string, string> = {
  Plan: 'NightlyStagesPlanFunction',
  PartitionFile: 'NightlyStagesPartitionFunction',
  ValidateShard: 'NightlyStagesValidateFunction',
  Gate: 'NightlyStagesGateFunction',
  SummariseShard: 'NightlyStagesSummariseFunction',
  Fit: 'NightlyStagesFitFunction',
  ScorePart: 'NightlyStagesScoreFunction',
  Publish: 'NightlyStagesPublishFunction',
  Finish: 'NightlyStagesFinishFunction',
  MarkRunFailed: 'NightlyStagesFailFunction',
};

describe('the nightly state machine (default configuration)', () => {
  const { template, stack } = buildStack();
  const asl = stateMachineDefinition(template);
  const states = Object.fromEntries(allStates(asl));
  const state = (name: string): AslState => {
    const found = states[name];
    if (!found) throw new Error(`no state ${name}`);
    return found;
  };
  const stateMachine = onlyResource(template, 'AWS::StepFunctions::StateMachine');
  const bucketId = stack.getLogicalId(stack.exportsBucket.bucket.node.defaultChild as never);

  it('plans on the execution input, skips when told to, and otherwise runs every stage in one Parallel branch', () => {
    expect(asl.StartAt).toBe('Plan');
    expect(state('Plan')).toMatchObject({ Type: 'Task', ResultPath: '$.plan', Next: 'SkipOrRun' });
    // No Parameters: the function receives the execution input as it is (`{}` from the schedule).
    expect(state('Plan').Parameters).toBeUndefined();
    expect(state('SkipOrRun')).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.plan.status', StringEquals: 'skipped', Next: 'Skipped' }],
      Default: 'Run',
    });
    expect(state('Skipped').Type).toBe('Succeed');
    const run = state('Run');
    expect(run.Type).toBe('Parallel');
    expect(run.Branches).toHaveLength(1);
    const branch = run.Branches?.[0];
    const order: string[] = [];
    for (let name = branch?.StartAt; name; name = branch?.States[name]?.Next) order.push(name);
    expect(order).toEqual([
      'PartitionFiles',
      'ValidateShards',
      'Gate',
      'SummariseShards',
      'Fit',
      'ScoreParts',
      'Publish',
      'Finish',
    ]);
    expect(branch?.States.Finish?.End).toBe(true);
    expect(run.Next).toBe('Published');
  });

  it('fans out with Distributed Maps reading the JSON manifests the plan wrote, failing on any failed item', () => {
    for (const map of MAPS) {
      const m = state(map.name);
      expect(m, map.name).toMatchObject({
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:<Ref:AWS::Partition>:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: `<Ref:${bucketId}>`, 'Key.$': `$.plan.run.manifests.${map.manifest}` },
        },
        MaxConcurrencyPath: `$.plan.run.layout.${map.limit}`,
        ToleratedFailurePercentage: 0,
        // Stages write their outputs to S3 themselves.
        ResultPath: null,
      });
      expect(m.ItemProcessor?.ProcessorConfig, map.name).toEqual({
        Mode: 'DISTRIBUTED',
        ExecutionType: 'STANDARD',
      });
      expect(m.ItemSelector, map.name).toEqual({
        'run.$': '$.plan.run',
        'item.$': '$$.Map.Item.Value',
        ...(map.name === 'SummariseShards' ? { 'range.$': '$.gate.range' } : {}),
      });
      expect(Object.keys(m.ItemProcessor?.States ?? {}), map.name).toEqual([map.child]);
      // Each child returns {}: the gathered results stay far below 256 KB at 10,000 items.
      expect(state(map.child).OutputPath, map.child).toBeNull();
      expect(m.ToleratedFailureCount ?? m.ToleratedFailurePercentagePath, map.name).toBeUndefined();
    }
  });

  it('tolerates no failed part in the publish fan-out (ScoreParts)', () => {
    expect(state('ScoreParts').ToleratedFailurePercentage).toBe(0);
    expect(state('ScorePart').Resource).toBe(
      `<GetAtt:${functionId(template, 'NightlyStagesScoreFunction')}.Arn>`,
    );
  });

  it('passes each single step the run (and the gate its range to fit), keeping small results', () => {
    expect(state('Gate')).toMatchObject({ Parameters: { 'run.$': '$.plan.run' }, ResultPath: '$.gate' });
    expect(state('Fit')).toMatchObject({
      Parameters: { 'run.$': '$.plan.run', 'range.$': '$.gate.range' },
    });
    expect(state('Publish')).toMatchObject({
      Parameters: { 'run.$': '$.plan.run' },
      ResultPath: '$.publish',
    });
    expect(state('Finish')).toMatchObject({ Parameters: { 'run.$': '$.plan.run' }, ResultPath: null });
    expect(state('Run').ResultSelector).toEqual({ 'published.$': '$[0].publish' });
  });

  it('catches any failure after the plan, records the run as failed, then fails the execution', () => {
    expect(state('Run').Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkRunFailed' },
    ]);
    expect(state('MarkRunFailed')).toMatchObject({
      Type: 'Task',
      Parameters: { 'run.$': '$.plan.run', 'error.$': '$.error' },
      ResultPath: null,
      Next: 'RunFailed',
      // A failing fail stage still ends in the same Fail state, with the run's own error.
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.markRunFailedError', Next: 'RunFailed' }],
    });
    expect(state('RunFailed')).toMatchObject({
      Type: 'Fail',
      ErrorPath: '$.error.Error',
      CausePath: '$.error.Cause',
    });
    // Nothing inside the branch swallows an error before the Parallel's Catch sees it.
    const catching = allStates(asl)
      .filter(([, s]) => s.Catch)
      .map(([name]) => name);
    expect(catching.sort()).toEqual(['MarkRunFailed', 'Run']);
  });

  it('invokes the right function from every task, retries Lambda service errors only, and times each task out', () => {
    const tasks = allStates(asl).filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual(Object.keys(TASKS).sort());
    for (const [name, task] of tasks) {
      const fnId = functionId(template, TASKS[name] as string);
      // payloadResponseOnly: the function's own result, not the invoke API's envelope.
      expect(task.Resource, name).toBe(`<GetAtt:${fnId}.Arn>`);
      expect(task.Retry, name).toEqual([
        {
          ErrorEquals: [
            'Lambda.ClientExecutionTimeoutException',
            'Lambda.ServiceException',
            'Lambda.AWSLambdaException',
            'Lambda.SdkClientException',
            'Lambda.TooManyRequestsException',
          ],
          IntervalSeconds: 2,
          BackoffRate: 2,
          MaxAttempts: 6,
          JitterStrategy: 'FULL',
        },
      ]);
      // The state gives up one minute after its function would have timed out.
      const fnTimeout = resourceProps(template, fnId).Timeout as number;
      expect(task.TimeoutSeconds, name).toBe(fnTimeout + 60);
    }
  });

  it('logs every event without execution data to a log group with a retention, traces, and stops after 4 hours', () => {
    const logging = stateMachine.props.LoggingConfiguration as {
      Level: string;
      IncludeExecutionData: boolean;
      Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [string, string] } } }[];
    };
    expect(logging.Level).toBe('ALL');
    expect(logging.IncludeExecutionData).toBe(false);
    const logGroupId = logging.Destinations[0]?.CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0] as string;
    expect(resourceProps(template, logGroupId)).toMatchObject({
      RetentionInDays: 90,
      LogGroupName: '/aws/vendedlogs/states/ClvTest-nightly',
    });
    expect(stateMachine.props.TracingConfiguration).toEqual({ Enabled: true });
    expect(stateMachine.props.StateMachineType).toBe('STANDARD');
    expect(asl.TimeoutSeconds).toBe(4 * 3600);
  });

  it('lets its role start its own child executions, read manifests under runs/ only, and invoke the stages', () => {
    const statements = roleStatements(template, 'NightlyStateMachineRole');
    const resources = (action: string) =>
      statements.filter((s) => asArray(s.Action).includes(action)).flatMap((s) => asArray(s.Resource));
    expect(resources('states:StartExecution')).toEqual([{ Ref: stateMachine.id }]);
    for (const action of ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution']) {
      const arns = resources(action);
      expect(arns.length, action).toBeGreaterThan(0);
      for (const arn of arns) expect(JSON.stringify(arn), action).toContain(`{"Ref":"${stateMachine.id}"}`);
    }
    expect(resources('s3:GetObject')).toEqual([
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/runs/*']] },
    ]);
    const invoked = resources('lambda:InvokeFunction').map((r) => JSON.stringify(r));
    for (const prefix of Object.values(TASKS)) {
      expect(invoked, prefix).toContain(
        JSON.stringify({ 'Fn::GetAtt': [functionId(template, prefix), 'Arn'] }),
      );
    }
    expect(invoked).toHaveLength(2 * Object.keys(TASKS).length);
  });

  it('is started by the schedule with {}, whose role may only start it and feed the dead-letter queue', () => {
    const schedule = onlyResource(template, 'AWS::Scheduler::Schedule').props;
    expect(schedule.Target).toMatchObject({ Arn: { Ref: stateMachine.id }, Input: '{}' });
    const statements = roleStatements(template, 'NightlyScheduleRole');
    expect(statements.map((s) => [s.Action, s.Resource])).toEqual([
      ['states:StartExecution', { Ref: stateMachine.id }],
      [
        'sqs:SendMessage',
        { 'Fn::GetAtt': [expect.stringMatching(/^NightlyScheduleDeadLetterQueue/), 'Arn'] },
      ],
    ]);
  });

  it('alarms once a day has a failed, timed-out or aborted execution, with first steps', () => {
    const topicRef = { Ref: stack.getLogicalId(stack.alarms.topic.node.defaultChild as never) };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith(
        ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'].map((metricName) =>
          Match.objectLike({
            MetricStat: {
              Metric: {
                Namespace: 'AWS/States',
                MetricName: metricName,
                Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: stateMachine.id } }],
              },
              Period: 86400,
              Stat: 'Sum',
            },
            ReturnData: false,
          }),
        ),
      ),
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef],
      OKActions: [topicRef],
      AlarmDescription: Match.stringLikeRegexp('Step Functions console.*exportDate'),
    });
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find((a) =>
      JSON.stringify(a).includes('ExecutionsFailed'),
    ) as { Properties: { Metrics: { Expression?: string; ReturnData?: boolean }[] } };
    const expression = alarm.Properties.Metrics.find((m) => m.Expression);
    expect(expression?.Expression).toMatch(/FILL\(\w+, 0\) \+ FILL\(\w+, 0\) \+ FILL\(\w+, 0\)/);
    // No alarm watches a single function's errors any more: a stage error surfaces as a failed execution.
    const lambdaErrorAlarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a).match(/NightlyStages\w+Function/),
    );
    expect(lambdaErrorAlarms).toEqual([]);
  });
});

describe('the nightly state machine with a custom execution timeout', () => {
  it.each([
    [2, 2 * 3600],
    [23, 23 * 3600],
  ])('stops after %i hours, and every stage holds the run lock 5 minutes longer', (hours, seconds) => {
    // Prepare
    const { template } = buildStack({ job: { executionTimeoutHours: hours } });

    // Act
    const asl = stateMachineDefinition(template);
    const leases = Object.values(template.findResources('AWS::Lambda::Function'))
      .map((f) => (f as { Properties: { Environment?: { Variables: Record<string, string> } } }).Properties)
      .map((p) => p.Environment?.Variables.RUN_LOCK_LEASE_SECONDS)
      .filter((v) => v !== undefined);

    // Assess
    expect(asl.TimeoutSeconds).toBe(seconds);
    expect(leases).toEqual(Array(10).fill(String(seconds + 300)));
    // The handlers accept it (the lease is capped at a day).
    expect(runLockLeaseMs({ RUN_LOCK_LEASE_SECONDS: leases[0] })).toBe((seconds + 300) * 1000);
  });
});

/** The logical id of the one Lambda function whose id starts with `prefix`. */
function functionId(template: ReturnType<typeof buildStack>['template'], prefix: string): string {
  const ids = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) =>
    id.match(new RegExp(`^${prefix}[0-9A-F]{8}$`)),
  );
  if (ids.length !== 1) throw new Error(`expected one function ${prefix}, found ${ids.length}`);
  return ids[0] as string;
}
