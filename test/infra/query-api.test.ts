import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PROBLEM_RESPONSES } from '../../lib/constructs/problem-responses.js';
import { API_ROUTES, pathParameters } from '../../lib/constructs/query-api.js';
import { buildStack, onlyResource, resourceProps } from './stack-fixture.js';

interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
}

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Sid?: string;
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function resourcesOfType(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.findResources(type)) as [string, CfnResource][];
}

/** Every API Gateway method of the template as `<HTTP method> <full path>`, with its properties. */
function methodsByRoute(template: Template): Map<string, Record<string, unknown>> {
  const resources = new Map(resourcesOfType(template, 'AWS::ApiGateway::Resource'));
  const pathOf = (id: string): string => {
    const resource = resources.get(id);
    if (!resource) return '';
    const parent = resource.Properties.ParentId as { Ref?: string };
    return `${parent.Ref ? pathOf(parent.Ref) : ''}/${resource.Properties.PathPart as string}`;
  };
  return new Map(
    resourcesOfType(template, 'AWS::ApiGateway::Method').map(([, method]) => {
      const resourceId = (method.Properties.ResourceId as { Ref?: string }).Ref ?? '';
      return [`${method.Properties.HttpMethod as string} ${pathOf(resourceId) || '/'}`, method.Properties];
    }),
  );
}

/** Statements of the IAM policies attached to the role whose logical id starts with `rolePrefix`. */
function roleStatements(template: Template, rolePrefix: string): Statement[] {
  return resourcesOfType(template, 'AWS::IAM::Policy')
    .map(
      ([, policy]) =>
        policy.Properties as { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } },
    )
    .filter((p) => p.Roles.some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => p.PolicyDocument.Statement);
}

// Written out independently of API_ROUTES (which comes from the function's route table).
const expectedRoutes = [
  '/v1/customers',
  '/v1/customers/{customerId}',
  '/v1/openapi.json',
  '/v1/runs',
  '/v1/runs/current',
  '/v1/runs/{runId}',
  '/v1/segments',
  '/v1/segments/{dimension}/{value}/history',
  '/v1/summary',
].map((path) => `GET ${path}`);

describe('Query API with default configuration', () => {
  const { template, stack } = buildStack();
  const id = (construct: { node: { defaultChild?: unknown } }): string =>
    stack.getLogicalId(construct.node.defaultChild as never);
  const functionId = id(stack.queryApi.function);
  const tableId = id(stack.resultsTable.table);
  const apiId = id(stack.queryApi.api);
  const methods = methodsByRoute(template);

  it('has exactly one GET method per route of API_ROUTES, each proxied to the API function', () => {
    // Assess
    expect([...methods.keys()].sort()).toEqual(expectedRoutes);
    expect([...methods.keys()].some((route) => route.includes('proxy+'))).toBe(false);
    for (const [route, method] of methods) {
      expect(method.Integration, route).toEqual({
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
        Uri: expect.anything(),
      });
      expect(JSON.stringify(method.Integration), route).toContain(`"${functionId}","Arn"`);
    }
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
  });

  it('lets API Gateway, and only this API, invoke the function', () => {
    // Act
    const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').filter(([, p]) =>
      JSON.stringify(p.Properties.FunctionName).includes(functionId),
    );

    // Assess
    expect(permissions).toHaveLength(1);
    const props = permissions[0]?.[1].Properties ?? {};
    expect(props.Principal).toBe('apigateway.amazonaws.com');
    expect(JSON.stringify(props.SourceArn)).toContain(`{"Ref":"${apiId}"},"/*/*/*"`);
  });

  it('validates request parameters: path parameters required, query parameters declared optional', () => {
    // Prepare
    const validator = onlyResource(template, 'AWS::ApiGateway::RequestValidator');

    // Assess
    expect(validator.props.ValidateRequestParameters).toBe(true);
    for (const route of API_ROUTES) {
      const method = methods.get(`GET ${route.path}`);
      expect(method?.RequestValidatorId, route.path).toEqual({ Ref: validator.id });
      expect(method?.RequestParameters, route.path).toEqual({
        ...Object.fromEntries(pathParameters(route.path).map((p) => [`method.request.path.${p}`, true])),
        ...Object.fromEntries(route.query.map((q) => [`method.request.querystring.${q}`, false])),
      });
    }
    expect(pathParameters('/v1/segments/{dimension}/{value}/history')).toEqual(['dimension', 'value']);
  });

  it('creates an API key and puts it in a usage plan on the stage with the default throttle and quota', () => {
    // Prepare
    const key = onlyResource(template, 'AWS::ApiGateway::ApiKey');
    const plan = onlyResource(template, 'AWS::ApiGateway::UsagePlan');
    const stageId = id(stack.queryApi.stage);

    // Assess
    expect(key.props.Enabled).toBe(true);
    expect(plan.props.Throttle).toEqual({ RateLimit: 50, BurstLimit: 100 });
    expect(plan.props.Quota).toEqual({ Limit: 1_000_000, Period: 'DAY' });
    expect(plan.props.ApiStages).toEqual([
      expect.objectContaining({ ApiId: { Ref: apiId }, Stage: { Ref: stageId } }),
    ]);
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', {
      KeyId: { Ref: key.id },
      KeyType: 'API_KEY',
      UsagePlanId: { Ref: plan.id },
    });
  });

  it('logs every request as JSON to its own log group, traces with X-Ray, never logs bodies, throttles', () => {
    // Prepare
    const stage = onlyResource(template, 'AWS::ApiGateway::Stage').props;
    const accessLog = stage.AccessLogSetting as { DestinationArn: unknown; Format: string };

    // Assess
    expect(stage.StageName).toBe('prod');
    expect(stage.TracingEnabled).toBe(true);
    expect(accessLog.DestinationArn).toEqual({
      'Fn::GetAtt': [id(stack.queryApi.accessLogGroup), 'Arn'],
    });
    expect(Object.keys(JSON.parse(accessLog.Format)).sort()).toEqual(
      [
        'caller',
        'httpMethod',
        'ip',
        'protocol',
        'requestId',
        'requestTime',
        'resourcePath',
        'responseLength',
        'status',
        'user',
      ].sort(),
    );
    expect(stage.MethodSettings).toEqual([
      {
        HttpMethod: '*',
        ResourcePath: '/*',
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
        MetricsEnabled: true,
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
      },
    ]);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    // Execution logging needs the account's CloudWatch role; it is kept when the stack goes.
    template.hasResourceProperties('AWS::ApiGateway::Account', { CloudWatchRoleArn: Match.anyValue() });
    template.hasResource('AWS::IAM::Role', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
        },
      }),
    });
  });

  it('compresses responses of 8 KiB and more for callers that accept gzip', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { MinimumCompressionSize: 8192 });
  });

  it('answers gateway errors as RFC 9457 problem+json, 429 with Retry-After', () => {
    // Prepare
    const responses = new Map(
      resourcesOfType(template, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => [
        r.Properties.ResponseType as string,
        r.Properties,
      ]),
    );

    // Assess
    expect([...responses.keys()]).toEqual(
      expect.arrayContaining(['DEFAULT_4XX', 'DEFAULT_5XX', 'THROTTLED', 'QUOTA_EXCEEDED']),
    );
    expect(responses.size).toBe(PROBLEM_RESPONSES.length);
    for (const [type, response] of responses) {
      const headers = response.ResponseParameters as Record<string, string>;
      expect(headers['gatewayresponse.header.Content-Type'], type).toBe("'application/problem+json'");
      // API Gateway substitutes the variables; messageString arrives as a quoted JSON string.
      const body = (response.ResponseTemplates as Record<string, string>)['application/json'] ?? '';
      const problem = JSON.parse(
        body
          .replace('$context.error.messageString', '"Too Many Requests"')
          .replace('$context.error.responseType', type),
      ) as Record<string, unknown>;
      expect(problem.type, type).toBe('about:blank');
      expect(problem.detail, type).toBe('Too Many Requests');
      expect(typeof problem.title, type).toBe('string');
      if (response.StatusCode !== undefined) expect(problem.status, type).toBe(Number(response.StatusCode));
    }
    for (const type of ['THROTTLED', 'QUOTA_EXCEEDED']) {
      const response = responses.get(type) ?? {};
      expect(response.StatusCode, type).toBe('429');
      expect(response.ResponseParameters, type).toEqual(
        expect.objectContaining({ 'gatewayresponse.header.Retry-After': expect.stringMatching(/^'\d+'$/) }),
      );
    }
  });

  it('runs the function on Node 24, arm64, 1024 MB, 29 s, traced, with exactly the agreed environment', () => {
    // Prepare
    const fn = resourceProps(template, functionId);

    // Assess
    expect(fn).toEqual(
      expect.objectContaining({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 1024,
        Timeout: 29,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: id(stack.queryApi.logGroup) } },
      }),
    );
    expect((fn.Environment as { Variables: unknown }).Variables).toEqual({
      RESULTS_TABLE: { Ref: tableId },
      POWERTOOLS_SERVICE_NAME: 'clv-api',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
  });

  it('lets the function only GetItem and Query the table and its two indexes', () => {
    // Prepare
    const statements = roleStatements(template, 'QueryApiRole');
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    const indexArn = (name: string) => ({ 'Fn::Join': ['', [tableArn, `/index/${name}`]] });

    // Act
    const dynamo = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('dynamodb:')));

    // Assess
    expect(dynamo).toHaveLength(1);
    expect(asArray(dynamo[0]?.Action ?? []).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(dynamo[0]?.Resource).toEqual([tableArn, indexArn('byRevenue'), indexArn('byOrders')]);
    const others = statements.filter((s) => s !== dynamo[0]);
    expect(others.flatMap((s) => asArray(s.Action)).sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    const star = statements.filter((s) => JSON.stringify(s.Resource) === '"*"');
    expect(star.flatMap((s) => asArray(s.Action)).every((a) => a.startsWith('xray:'))).toBe(true);
  });

  it('alarms on the 5xx rate, on throttled requests and on function errors through the alarm topic', () => {
    // Prepare
    const topicRef = { Ref: id(stack.alarms.topic) };
    const notify = { AlarmActions: [topicRef], OKActions: [topicRef], TreatMissingData: 'notBreaching' };

    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...notify,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'errors / requests', ReturnData: true }),
        Match.objectLike({
          Id: 'errors',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ Namespace: 'AWS/ApiGateway', MetricName: '5XXError' }),
            Period: 300,
            Stat: 'Sum',
          }),
        }),
        Match.objectLike({
          Id: 'requests',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ Namespace: 'AWS/ApiGateway', MetricName: 'Count' }),
            Period: 300,
            Stat: 'Sum',
          }),
        }),
      ]),
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: id(stack.queryApi.accessLogGroup) },
      FilterPattern: '{ $.status = "429" }',
      MetricTransformations: [{ MetricNamespace: 'ClvTest', MetricName: 'ApiThrottled', MetricValue: '1' }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...notify,
      Namespace: 'ClvTest',
      MetricName: 'ApiThrottled',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 10,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...notify,
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    // Exactly these three watch the API (the job's alarms are counted with the job).
    const apiAlarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').filter(([, alarm]) =>
      /AWS\/ApiGateway|ApiThrottled|"Ref":"QueryApiFunction/.test(JSON.stringify(alarm.Properties)),
    );
    expect(apiAlarms).toHaveLength(3);
  });

  it('outputs the URL, the key id, the command that prints the key, the function and the access logs', () => {
    // Prepare
    const keyId = onlyResource(template, 'AWS::ApiGateway::ApiKey').id;

    // Assess
    template.hasOutput('ApiUrl', {
      Value: {
        'Fn::Join': [
          '',
          [
            'https://',
            { Ref: apiId },
            '.execute-api.',
            { Ref: 'AWS::Region' },
            '.',
            { Ref: 'AWS::URLSuffix' },
            '/',
            { Ref: Match.anyValue() },
          ],
        ],
      },
    });
    template.hasOutput('ApiKeyId', { Value: { Ref: keyId } });
    template.hasOutput('ApiKeyValueCommand', {
      Value: {
        'Fn::Join': [
          '',
          [
            'aws apigateway get-api-key --api-key ',
            { Ref: keyId },
            ' --include-value --query value --output text',
          ],
        ],
      },
    });
    template.hasOutput('ApiFunctionName', { Value: { Ref: functionId } });
    template.hasOutput('ApiAccessLogGroupName', { Value: { Ref: id(stack.queryApi.accessLogGroup) } });
    // RestApi's own Endpoint output is removed: one URL output, not two.
    expect(Object.keys(template.findOutputs('*')).filter((name) => name.includes('Endpoint'))).toEqual([]);
  });
});

describe.each([
  { auth: 'apiKey', authorizationType: 'NONE', apiKeyRequired: true },
  { auth: 'iam', authorizationType: 'AWS_IAM', apiKeyRequired: false },
  { auth: 'apiKeyAndIam', authorizationType: 'AWS_IAM', apiKeyRequired: true },
] as const)('Query API with api.auth = $auth', ({ auth, authorizationType, apiKeyRequired }) => {
  const { template } = buildStack({ api: { auth } });
  const methods = resourcesOfType(template, 'AWS::ApiGateway::Method');

  it('requires credentials on every method of the API', () => {
    // Assess: every AWS::ApiGateway::Method of the template, whatever its verb or path
    expect(methods).toHaveLength(API_ROUTES.length);
    for (const [logicalId, method] of methods) {
      expect(method.Properties.HttpMethod, logicalId).toBe('GET');
      expect(method.Properties.AuthorizationType, logicalId).toBe(authorizationType);
      expect(method.Properties.ApiKeyRequired ?? false, logicalId).toBe(apiKeyRequired);
      // The invariant, whatever the mode: no method is reachable without a key or a signature.
      expect(
        method.Properties.ApiKeyRequired === true || method.Properties.AuthorizationType !== 'NONE',
        logicalId,
      ).toBe(true);
    }
  });

  it('has no catch-all path, no resource policy, and reads the key from the x-api-key header only', () => {
    // Assess: a {proxy+} resource or an ANY method would reach the function on paths outside the route table;
    // a resource policy could admit principals of other accounts; an AUTHORIZER key source needs an authorizer.
    const paths = resourcesOfType(template, 'AWS::ApiGateway::Resource').map(
      ([, r]) => r.Properties.PathPart,
    );
    expect(paths.filter((path) => String(path).includes('+'))).toEqual([]);
    const api = onlyResource(template, 'AWS::ApiGateway::RestApi').props;
    expect(api.Policy).toBeUndefined();
    expect(api.ApiKeySourceType ?? 'HEADER').toBe('HEADER');
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 0);
  });

  it('keeps CORS closed: no preflight method and no Access-Control header in any method or gateway response', () => {
    // Assess: browsers on other origins cannot read responses; the callers are BI tools and scripts
    expect(methods.filter(([, m]) => m.Properties.HttpMethod === 'OPTIONS')).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/access-control-/i);
  });

  it(`${apiKeyRequired ? 'creates' : 'creates no'} API key and usage plan`, () => {
    // Assess
    const count = apiKeyRequired ? 1 : 0;
    template.resourceCountIs('AWS::ApiGateway::ApiKey', count);
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', count);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', count);
    expect(Object.keys(template.findOutputs('ApiKeyId'))).toHaveLength(count);
    expect(Object.keys(template.findOutputs('ApiKeyValueCommand'))).toHaveLength(count);
    template.hasOutput('ApiUrl', {});
  });
});

describe('Query API CORS configuration', () => {
  it('has no setting that opens CORS: the configuration refuses one', () => {
    // Assess: CORS stays closed unless the construct itself changes (and this test with it)
    expect(() => buildStack({ api: { cors: { allowOrigins: ['*'] } } })).toThrow(/cors/);
  });
});

describe('Query API with custom configuration', () => {
  const { template, stack } = buildStack({
    api: {
      stageName: 'v2_test',
      auth: 'apiKeyAndIam',
      memoryMb: 2048,
      throttle: { rateLimit: 5.5, burstLimit: 20 },
      quota: { limit: 5000, period: 'MONTH' },
    },
  });

  it('takes the stage name, memory, throttle and quota from the configuration', () => {
    // Prepare
    const functionId = stack.getLogicalId(stack.queryApi.function.node.defaultChild as never);
    const fn = resourceProps(template, functionId);

    // Assess
    expect(fn.MemorySize).toBe(2048);
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v2_test',
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 5.5, ThrottlingBurstLimit: 20 })],
    });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 5.5, BurstLimit: 20 },
      Quota: { Limit: 5000, Period: 'MONTH' },
    });
  });
});
