import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseJobSettings } from '../../lambdas/platform/config.js';
import { MEMBER_SORT_INDEXES } from '../../lambdas/publish/keys.js';
import { asArray, buildStack, resourceProps, type Statement } from './stack-fixture.js';

/** Statements of the IAM policies attached to the role whose logical id starts with `rolePrefix`. */
function roleStatements(
  template: ReturnType<typeof buildStack>['template'],
  rolePrefix: string,
): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
    Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };
  }[];
  return policies
    .filter((p) => p.Properties.Roles.some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('ClvStack with default configuration', () => {
  const { template, stack } = buildStack();
  const bucketId = stack.getLogicalId(stack.exportsBucket.bucket.node.defaultChild as never);
  const tableId = stack.getLogicalId(stack.resultsTable.table.node.defaultChild as never);
  const functionId = stack.getLogicalId(stack.nightlyJob.function.node.defaultChild as never);
  const resolve = (value: unknown): unknown => stack.resolve(value);

  it('schedules the job nightly at 02:00 UTC with no flexible window', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId, 'Arn'] }, Input: '{}' }),
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

  it("lets the scheduler's role invoke only the job and feed its dead-letter queue", () => {
    const statements = roleStatements(template, 'NightlyScheduleRole');
    expect(statements.flatMap((s) => asArray(s.Action)).sort()).toEqual([
      'lambda:InvokeFunction',
      'sqs:SendMessage',
    ]);
    const invoke = statements.find((s) => s.Action === 'lambda:InvokeFunction');
    expect(JSON.stringify(invoke?.Resource)).not.toContain('"*"');
    expect(JSON.stringify(invoke?.Resource)).toContain(functionId);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
      },
    });
  });

  it('runs the job on Node 24, x86_64, with the configured memory, timeout and /tmp', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['x86_64'],
      Handler: 'index.handler',
      MemorySize: 3008,
      Timeout: 900,
      EphemeralStorage: { Size: 10240 },
      TracingConfig: { Mode: 'Active' },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      Qualifier: '$LATEST',
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    // A reservation would make the first deploy fail on accounts with the default concurrency quota.
    expect(resourceProps(template, functionId).ReservedConcurrentExecutions).toBeUndefined();
  });

  it('passes the bucket, the table and the settings to the job', () => {
    const props = resourceProps(template, functionId);
    const env = (props.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.EXPORTS_BUCKET).toEqual({ Ref: bucketId });
    expect(env.RESULTS_TABLE).toEqual({ Ref: tableId });
    expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
    expect(JSON.parse(env.CLV_SETTINGS as string)).toEqual(parseJobSettings({}));
  });

  it("grants the job's role no wildcard action and only prefix- and table-scoped data access", () => {
    const statements = roleStatements(template, 'NightlyJobRole');
    const actions = statements.flatMap((s) => asArray(s.Action));
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);

    const byAction = (action: string): Statement[] =>
      statements.filter((s) => asArray(s.Action).includes(action));
    const objectArn = (prefix: string) => ({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${prefix}*`]],
    });
    expect(byAction('s3:GetObject').map((s) => s.Resource)).toEqual([objectArn('exports/')]);
    expect(byAction('s3:PutObject').map((s) => s.Resource)).toEqual([objectArn('runs/')]);
    expect(byAction('s3:ListBucket')).toEqual([
      expect.objectContaining({
        Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
        Condition: { StringLike: { 's3:prefix': ['exports/*'] } },
      }),
    ]);
    const s3Actions = actions.filter((a) => a.startsWith('s3:')).sort();
    expect(s3Actions).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);

    const dynamo = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(dynamo[0]?.Resource).toEqual({ 'Fn::GetAtt': [tableId, 'Arn'] });
    expect(asArray(dynamo[0]?.Action ?? []).sort()).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);

    // Only X-Ray (no resource-level permissions) may use Resource "*".
    const starResources = statements.filter((s) => JSON.stringify(s.Resource) === '"*"');
    expect(starResources.flatMap((s) => asArray(s.Action)).every((a) => a.startsWith('xray:'))).toBe(true);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      },
      ManagedPolicyArns: Match.absent(),
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

  it('alarms on a failed night and on undeliverable invocations through an encrypted topic', () => {
    const topicRef = { Ref: stack.getLogicalId(stack.alarms.topic.node.defaultChild as never) };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
      Statistic: 'Sum',
      Period: 86400,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef],
    });
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

  it("alarms when no run has been published for two days in a row, counting the job's own log lines", () => {
    const topicRef = { Ref: stack.getLogicalId(stack.alarms.topic.node.defaultChild as never) };
    const logGroupRef = { Ref: stack.getLogicalId(stack.nightlyJob.logGroup.node.defaultChild as never) };
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: logGroupRef,
      // lambdas/pipeline/nightly-job.ts logs this message once per published run
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
    template.hasOutput('NightlyJobFunctionName', { Value: { Ref: functionId } });
    template.hasOutput('NightlyJobLogGroupName', { Value: Match.anyValue() });
    template.hasOutput('DeadLetterQueueUrl', { Value: Match.anyValue() });
    template.hasOutput('AlarmTopicArn', { Value: Match.anyValue() });
  });
});

describe('ClvStack with custom configuration', () => {
  const context = {
    schedule: { expression: 'cron(30 4 ? * MON-FRI *)', timezone: 'Europe/Paris' },
    job: { memoryMb: 4096, timeoutMinutes: 10, ephemeralStorageMb: 4096, retryAttempts: 0 },
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

  it('sizes the function and its retries from the job configuration', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 4096,
      Timeout: 600,
      EphemeralStorage: { Size: 4096 },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
    const props = resourceProps(
      template,
      stack.getLogicalId(stack.nightlyJob.function.node.defaultChild as never),
    );
    const env = (props.Environment as { Variables: Record<string, string> }).Variables;
    expect(JSON.parse(env.CLV_SETTINGS as string)).toEqual(parseJobSettings(context.settings));
  });

  it('scopes the S3 grants and the artefact lifecycle to the configured prefixes', () => {
    const statements = roleStatements(template, 'NightlyJobRole');
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
