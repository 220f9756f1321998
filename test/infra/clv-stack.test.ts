import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseJobSettings } from '../../lambdas/platform/config.js';
import { MEMBER_SORT_INDEXES } from '../../lambdas/publish/keys.js';
import { asArray, buildStack, resourceProps, roleStatements } from './stack-fixture.js';

describe('ClvStack with default configuration', () => {
  const { template, stack } = buildStack();
  const bucketId = stack.getLogicalId(stack.exportsBucket.bucket.node.defaultChild as never);
  const tableId = stack.getLogicalId(stack.resultsTable.table.node.defaultChild as never);
  const stateMachineId = stack.getLogicalId(
    stack.nightlyStateMachine.stateMachine.node.defaultChild as never,
  );
  const resolve = (value: unknown): unknown => stack.resolve(value);

  it('starts the state machine nightly at 02:00 UTC with no flexible window', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: { Ref: stateMachineId }, Input: '{}' }),
    });
  });

  it('retries undeliverable invocations, then sends them to an encrypted TLS-only dead-letter queue', () => {
    const queueId = resolve(stack.nightlySchedule.deadLetterQueue.queueArn);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: queueId },
      }),
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('keeps the exports bucket encrypted, private, versioned, TLS-only and access-logged', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'runs/', ExpirationInDays: 400, Status: 'Enabled' }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::S3::Bucket', 2);
  });

  it('stores results on demand with PITR, TTL on expiresAt, KMS encryption, and keeps them on stack deletion', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'SK', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'PK', AttributeType: 'S' },
          { AttributeName: 'SK', AttributeType: 'S' },
        ]),
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      }),
    });
  });

  it('indexes segment members by revenue and by orders: same partition key, sparse sort key, all attributes', () => {
    const table = resourceProps(template, tableId);
    expect(table.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'byRevenue',
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'revenueKey', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'byOrders',
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'ordersKey', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(table.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'revenueKey', AttributeType: 'S' },
        { AttributeName: 'ordersKey', AttributeType: 'S' },
      ]),
    );
    expect(stack.resultsTable.indexNames).toEqual(
      Object.values(MEMBER_SORT_INDEXES).map((index) => index.indexName),
    );
  });

  it('alarms on undeliverable starts through an encrypted topic', () => {
    const topicRef = { Ref: stack.getLogicalId(stack.alarms.topic.node.defaultChild as never) };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef],
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Effect: 'Allow' }),
        ]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it("alarms when no run has been published for two days in a row, counting the publish stage's log lines", () => {
    const topicRef = { Ref: stack.getLogicalId(stack.alarms.topic.node.defaultChild as never) };
    const logGroupRef = {
      Ref: stack.getLogicalId(stack.nightlyStages.logGroups.publish.node.defaultChild as never),
    };
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: logGroupRef,
      // the publish stage (lambdas/pipeline/sharded/publish-stage.ts) logs this once per published run
      FilterPattern: '{ $.message = "run published" }',
      MetricTransformations: [Match.objectLike({ MetricName: 'RunsPublished', MetricValue: '1' })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'RunsPublished',
      Statistic: 'Sum',
      Period: 86400,
      EvaluationPeriods: 2,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [topicRef],
    });
  });

  it('outputs the names an operator needs', () => {
    template.hasOutput('ExportsBucketName', { Value: { Ref: bucketId } });
    template.hasOutput('ResultsTableName', { Value: { Ref: tableId } });
    template.hasOutput('StateMachineArn', { Value: { Ref: stateMachineId } });
    template.hasOutput('StateMachineLogGroupName', { Value: Match.anyValue() });
    template.hasOutput('PublishLogGroupName', {
      Value: { Ref: stack.getLogicalId(stack.nightlyStages.logGroups.publish.node.defaultChild as never) },
    });
    expect(Object.keys(template.findOutputs('*')).filter((k) => k.startsWith('NightlyJob'))).toEqual([]);
    template.hasOutput('DeadLetterQueueUrl', { Value: Match.anyValue() });
    template.hasOutput('AlarmTopicArn', { Value: Match.anyValue() });
  });
});

describe('ClvStack with custom configuration', () => {
  const context = {
    schedule: { expression: 'cron(30 4 ? * MON-FRI *)', timezone: 'Europe/Paris' },
    job: { memoryMb: 4096, timeoutMinutes: 10, ephemeralStorageMb: 4096 },
    alarmEmail: 'ops@example.com',
    settings: {
      duckdbMemoryMb: 2048,
      exportsPrefix: 'incoming/',
      runsPrefix: 'artefacts/',
      retentionDays: 30,
    },
  };
  const { template, stack } = buildStack(context);
  const bucketId = stack.getLogicalId(stack.exportsBucket.bucket.node.defaultChild as never);

  it('uses the configured schedule and time zone', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 4 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
    });
  });

  it('passes the configured settings to every stage', () => {
    for (const fn of Object.values(stack.nightlyStages.functions)) {
      const props = resourceProps(template, stack.getLogicalId(fn.node.defaultChild as never));
      const env = (props.Environment as { Variables: Record<string, string> }).Variables;
      expect(JSON.parse(env.CLV_SETTINGS as string)).toEqual(parseJobSettings(context.settings));
    }
  });

  it('scopes the S3 grants and the artefact lifecycle to the configured prefixes', () => {
    const statements = [
      ...roleStatements(template, 'NightlyStagesPartitionRole'),
      ...roleStatements(template, 'NightlyStagesValidateRole'),
    ];
    const resources = JSON.stringify(
      statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('s3:'))),
    );
    expect(resources).toContain('/incoming/*');
    expect(resources).toContain('/artefacts/*');
    expect(resources).not.toContain('/exports/*');
    expect(resources).not.toContain('/runs/*');
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'artefacts/', ExpirationInDays: 30 })]),
      },
    });
    expect(bucketId).toMatch(/^Exports/);
  });

  it('subscribes the alarm e-mail address to the topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});
