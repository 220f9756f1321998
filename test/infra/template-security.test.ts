/**
 * Security invariants checked over every resource of the synthesized template (not spot checks), for
 * two configurations: IAM grants (exact actions per role, resources of this stack only, Resource "*"
 * only for actions without resource-level permissions, and no data action the code never sends),
 * role trust, buckets, tables, queues, topics and log groups.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asArray, buildStack, type Statement } from './stack-fixture.js';

type CfnResources = Record<
  string,
  {
    Type: string;
    Properties?: Record<string, unknown>;
    DeletionPolicy?: string;
    UpdateReplacePolicy?: string;
  }
>;

/**
 * Actions AWS offers no resource-level permissions for: the only ones allowed Resource "*". X-Ray (the
 * state machine also reads sampling rules) and the CloudWatch Logs delivery calls of state machine logging.
 */
const NO_RESOURCE_LEVEL = [
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies',
  'logs:GetLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:UpdateLogDelivery',
];
const LAMBDA_XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const WORK = ['s3:GetObject', 's3:PutObject'];
/** A stage function's role: its data actions, its log group, X-Ray. */
const stage = (...data: string[]): string[] => [...data, ...LOGS, ...LAMBDA_XRAY];

/** Every role's complete grant, by logical id without its hash (written out here, not read from lib/). */
const GRANTS: Record<string, string[]> = {
  NightlyStagesPlanRole: stage(
    'dynamodb:DeleteItem',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    's3:ListBucket',
    's3:PutObject',
  ),
  NightlyStagesPartitionRole: stage('s3:GetObject', 's3:PutObject'),
  NightlyStagesValidateRole: stage(...WORK),
  NightlyStagesGateRole: stage(...WORK),
  NightlyStagesSummariseRole: stage(...WORK),
  NightlyStagesFitRole: stage('dynamodb:BatchWriteItem', 'dynamodb:PutItem', ...WORK),
  NightlyStagesScoreRole: stage('dynamodb:BatchWriteItem', ...WORK),
  NightlyStagesPublishRole: stage(
    'dynamodb:BatchWriteItem',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'dynamodb:UpdateItem',
    's3:GetObject',
  ),
  NightlyStagesFinishRole: stage('dynamodb:DeleteItem', 's3:DeleteObject', 's3:ListBucket'),
  NightlyStagesFailRole: stage(
    'dynamodb:DeleteItem',
    'dynamodb:PutItem',
    's3:DeleteObject',
    's3:GetObject',
    's3:ListBucket',
  ),
  // Invoke the stages, read the Maps' manifests, run its own Distributed Map children, log, trace.
  NightlyStateMachineRole: [
    'lambda:InvokeFunction',
    's3:GetObject',
    'states:DescribeExecution',
    'states:RedriveExecution',
    'states:StartExecution',
    'states:StopExecution',
    ...NO_RESOURCE_LEVEL,
  ],
  NightlyScheduleRole: ['sqs:SendMessage', 'states:StartExecution'],
  QueryApiRole: ['dynamodb:GetItem', 'dynamodb:Query', ...LOGS, ...LAMBDA_XRAY],
};

/** The IAM actions each SDK command the functions send needs (TransactWrite would add ConditionCheckItem). */
const COMMAND_ACTIONS: Record<string, string> = {
  GetCommand: 'dynamodb:GetItem',
  PutCommand: 'dynamodb:PutItem',
  UpdateCommand: 'dynamodb:UpdateItem',
  DeleteCommand: 'dynamodb:DeleteItem',
  BatchWriteCommand: 'dynamodb:BatchWriteItem',
  QueryCommand: 'dynamodb:Query',
  GetObjectCommand: 's3:GetObject',
  PutObjectCommand: 's3:PutObject',
  DeleteObjectCommand: 's3:DeleteObject',
  ListObjectsV2Command: 's3:ListBucket',
};

/** Commands imported from the SDK anywhere under lambdas/ (biome refuses unused imports). */
function commandsInSource(dir = 'lambdas'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return commandsInSource(path);
    if (!entry.name.endsWith('.ts')) return [];
    const imports = readFileSync(path, 'utf8').matchAll(/import\s*{([^}]*)}\s*from\s*'@aws-sdk\/[^']+'/g);
    return [...imports].flatMap((m) => (m[1] ?? '').match(/\b\w+Command\b/g) ?? []);
  });
}

const roleName = (logicalId: string): string => logicalId.replace(/[0-9A-F]{8}$/, '');

describe.each([
  ['the default configuration', {}],
  [
    'IAM auth, custom prefixes and an alarm e-mail',
    {
      api: { auth: 'iam' },
      alarmEmail: 'ops@example.com',
      settings: { exportsPrefix: 'incoming/', runsPrefix: 'artefacts/' },
    },
  ],
])('security invariants over every resource of the template, with %s', (_, context) => {
  const { template } = buildStack(context);
  const resources = template.toJSON().Resources as CfnResources;
  const ofType = (type: string) =>
    Object.entries(resources)
      .filter(([, r]) => r.Type === type)
      .map(([id, r]) => ({ id, props: r.Properties ?? {}, resource: r }));
  const statementsOf = (props: Record<string, unknown>) =>
    (props.PolicyDocument as { Statement: (Statement & Record<string, unknown>)[] }).Statement;

  it('grants each role exactly its actions, on resources of this stack; Resource "*" only where AWS has no other', () => {
    // Act
    const granted = new Map<string, Set<string>>();
    for (const { id, props } of ofType('AWS::IAM::Policy')) {
      const roles = props.Roles as { Ref: string }[];
      expect(roles, id).toHaveLength(1);
      const role = roleName(roles[0]?.Ref ?? '');
      for (const statement of statementsOf(props)) {
        const actions = asArray(statement.Action);
        expect([statement.Effect, statement.NotAction, statement.NotResource], id).toEqual([
          'Allow',
          undefined,
          undefined,
        ]);
        expect(
          actions.filter((a) => a.includes('*')),
          id,
        ).toEqual([]);
        for (const resource of asArray(statement.Resource)) {
          if (resource === '*') expect(NO_RESOURCE_LEVEL).toEqual(expect.arrayContaining(actions));
          // Anything else names a resource this template creates (a Ref or GetAtt of one of its logical ids).
          else
            expect(
              Object.keys(resources).some((r) => JSON.stringify(resource).includes(`"${r}"`)),
              id,
            ).toBe(true);
        }
        for (const action of actions) granted.set(role, (granted.get(role) ?? new Set()).add(action));
      }
    }

    // Assess
    expect(Object.fromEntries([...granted].map(([role, actions]) => [role, [...actions].sort()]))).toEqual(
      Object.fromEntries(Object.entries(GRANTS).map(([role, actions]) => [role, [...actions].sort()])),
    );
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });

  it('grants no data action that the functions never send', () => {
    // Prepare
    const commands = [...new Set(commandsInSource())];
    const unmapped = commands.filter((c) => !(c in COMMAND_ACTIONS));
    const sent = new Set(commands.map((c) => COMMAND_ACTIONS[c]));

    // Assess
    expect(unmapped, 'map every SDK command the code sends to its IAM action').toEqual([]);
    const data = Object.values(GRANTS)
      .flat()
      .filter((a) => /^(dynamodb|s3):/.test(a));
    expect(data.filter((a) => !sent.has(a))).toEqual([]);
  });

  it('lets each role be assumed by one AWS service, with no managed policy but API Gateway logging', () => {
    const roles = ofType('AWS::IAM::Role');
    expect(roles.map((r) => roleName(r.id)).sort()).toEqual(
      [...Object.keys(GRANTS), 'QueryApiCloudWatchRole'].sort(),
    );
    for (const { id, props } of roles) {
      const trust = statementsOf({ PolicyDocument: props.AssumeRolePolicyDocument });
      expect(
        trust.map((t) => [t.Effect, t.Action]),
        id,
      ).toEqual([['Allow', 'sts:AssumeRole']]);
      expect((trust[0]?.Principal as { Service?: unknown })?.Service, id).toMatch(/^[a-z]+\.amazonaws\.com$/);
      const managed = JSON.stringify(props.ManagedPolicyArns ?? []);
      if (roleName(id) === 'QueryApiCloudWatchRole')
        expect(managed).toContain('service-role/AmazonAPIGatewayPushToCloudWatchLogs');
      else expect(props.ManagedPolicyArns, id).toBeUndefined();
    }
  });

  it('keeps every bucket encrypted, private, ACL-free and TLS-only', () => {
    const buckets = ofType('AWS::S3::Bucket');
    expect(buckets.length).toBeGreaterThan(0);
    for (const { id, props } of buckets) {
      expect(props.BucketEncryption, id).toEqual({
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: expect.stringMatching(/^(AES256|aws:kms)$/) } },
        ],
      });
      expect(props.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(props.OwnershipControls, id).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
      const statements = ofType('AWS::S3::BucketPolicy')
        .filter((p) => JSON.stringify(p.props.Bucket) === JSON.stringify({ Ref: id }))
        .flatMap((p) => statementsOf(p.props));
      const arn = { 'Fn::GetAtt': [id, 'Arn'] };
      expect(statements, id).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }],
        }),
      );
      // Nothing is allowed to everyone: Allow statements name a service principal.
      for (const s of statements.filter((st) => st.Effect === 'Allow')) {
        expect(s.Principal, id).toEqual({ Service: expect.stringMatching(/\.amazonaws\.com$/) });
      }
    }
  });

  it('encrypts every table and queue and topic, keeps point-in-time recovery, and keeps tables on deletion', () => {
    const tables = [...ofType('AWS::DynamoDB::GlobalTable'), ...ofType('AWS::DynamoDB::Table')];
    expect(tables).toHaveLength(1);
    for (const { id, props, resource } of tables) {
      expect((props.SSESpecification as { SSEEnabled?: boolean })?.SSEEnabled, id).toBe(true);
      const replicas = (props.Replicas as Record<string, unknown>[] | undefined) ?? [props];
      for (const replica of replicas) {
        expect(replica.PointInTimeRecoverySpecification, id).toEqual({ PointInTimeRecoveryEnabled: true });
      }
      expect([resource.DeletionPolicy, resource.UpdateReplacePolicy], id).toEqual(['Retain', 'Retain']);
    }
    for (const { id, props } of ofType('AWS::SQS::Queue')) expect(props.SqsManagedSseEnabled, id).toBe(true);
    for (const { id, props } of ofType('AWS::SNS::Topic')) expect(props.KmsMasterKeyId, id).toBeDefined();
  });

  it('gives every log group a retention, and every function, the state machine and the API stage a log group of the stack', () => {
    const logGroups = ofType('AWS::Logs::LogGroup');
    for (const { id, props } of logGroups) expect(props.RetentionInDays, id).toBeGreaterThan(0);
    const logGroupIds = new Set(logGroups.map((g) => g.id));
    const functions = ofType('AWS::Lambda::Function');
    // Ten nightly stages and the Query API.
    expect(functions).toHaveLength(11);
    for (const { id, props } of functions) {
      const logGroup = (props.LoggingConfig as { LogGroup?: { Ref?: string } } | undefined)?.LogGroup?.Ref;
      expect(logGroupIds.has(logGroup ?? ''), id).toBe(true);
    }
    for (const { id, props } of ofType('AWS::StepFunctions::StateMachine')) {
      const logging = props.LoggingConfiguration as {
        Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [string] } } }[];
      };
      const destinations = logging.Destinations.map(
        (d) => d.CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0],
      );
      expect(destinations.length, id).toBe(1);
      for (const group of destinations) expect(logGroupIds.has(group), id).toBe(true);
    }
    const stages = ofType('AWS::ApiGateway::Stage');
    expect(stages).toHaveLength(1);
    for (const { id, props } of stages) {
      const accessLogs = props.AccessLogSetting as { DestinationArn: { 'Fn::GetAtt': [string] } };
      expect(logGroupIds.has(accessLogs.DestinationArn['Fn::GetAtt'][0]), id).toBe(true);
    }
    expect(Object.values(resources).filter((r) => r.Type === 'Custom::LogRetention')).toEqual([]);
  });
});
