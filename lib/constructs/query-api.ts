import { Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTES } from '../../lambdas/serve/api.js';
import { queryParameterNames } from '../../lambdas/serve/route-types.js';
import { esmBundling, PROJECT_ROOT } from './esm-bundling.js';
import { PROBLEM_RESPONSES, problemTemplate } from './problem-responses.js';

/** One route of the Query API (always GET): `{name}` segments are required path parameters. */
export interface ApiRoute {
  readonly path: string;
  /** Query string parameters the route accepts; optional at the gateway, validated by the function. */
  readonly query: readonly string[];
}

/**
 * Every route the gateway forwards to the API function, from the API's own route table (one source
 * for the gateway, the function and the OpenAPI document); any other path or method never reaches it.
 */
export const API_ROUTES: readonly ApiRoute[] = ROUTES.map((route) => ({
  path: route.path,
  query: queryParameterNames(route),
}));

/** The path parameters of a route path, in order (`/v1/runs/{runId}` → `['runId']`). */
export function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);
}

/** The method request parameters of a route: path parameters required, query parameters optional. */
export function methodRequestParameters(route: ApiRoute): Record<string, boolean> {
  return {
    ...Object.fromEntries(pathParameters(route.path).map((name) => [`method.request.path.${name}`, true])),
    ...Object.fromEntries(route.query.map((name) => [`method.request.querystring.${name}`, false])),
  };
}

/** How callers authenticate: an API key, IAM SigV4 signatures, or both on every request. */
export type ApiAuth = 'apiKey' | 'iam' | 'apiKeyAndIam';

const CREDENTIALS: Record<ApiAuth, string> = {
  apiKey: 'an API key',
  iam: 'IAM SigV4 signatures',
  apiKeyAndIam: 'an API key and IAM SigV4 signatures',
};

/** Request rate limits (requests per second, and burst above it). */
export interface ApiThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** Requests one API key may make per period. */
export interface ApiQuota {
  readonly limit: number;
  readonly period: apigateway.Period;
}

export interface QueryApiProps {
  /** The results table; the function may only read it. */
  readonly table: dynamodb.ITableV2;
  /** Indexes of `table` the function may query (granted by ARN, no wildcard). */
  readonly indexNames: readonly string[];
  /**
   * Stage name, the first path segment of the API URL.
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * How callers authenticate; every method requires credentials in every mode.
   * @default 'apiKey'
   */
  readonly auth?: ApiAuth;
  /**
   * Function memory in MB.
   * @default 1024
   */
  readonly memoryMb?: number;
  /**
   * Default method throttling of the stage, and the throttle of the API key's usage plan.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: ApiThrottle;
  /**
   * Quota of the API key's usage plan.
   * @default { limit: 1_000_000, period: apigateway.Period.DAY }
   */
  readonly quota?: ApiQuota;
  /**
   * Retention of the function's log group and of the access log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Name of the REST API (also the `ApiName` dimension of its metrics, so unique per account and region).
   * @default '<stack name>-query-api'
   */
  readonly restApiName?: string;
  /**
   * Handler source file exporting `handler` (API Gateway REST proxy events).
   * @default '<project>/lambdas/handlers/query-api.ts'
   */
  readonly entry?: string;
}

/**
 * The Query API: a regional REST API with one explicit GET method per route, all proxied to one Lambda
 * function that may only read the results table. Credentials on every method, request parameter validation,
 * JSON access logs, X-Ray, stage throttling, RFC 9457 problem+json gateway errors, and (with API keys) a key
 * in a usage plan with throttle and quota.
 */
export class QueryApi extends Construct {
  public readonly api: apigateway.RestApi;
  public readonly stage: apigateway.Stage;
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  /** One JSON line per request (no bodies); the throttling alarm's metric filter reads it. */
  public readonly accessLogGroup: logs.LogGroup;
  public readonly requestValidator: apigateway.RequestValidator;
  /** One GET method per entry of `API_ROUTES`, in that order. */
  public readonly methods: readonly apigateway.Method[];
  /** The stack's API key; absent when `auth` is `'iam'`. */
  public readonly apiKey?: apigateway.ApiKey;
  /** Throttle and quota of `apiKey`; absent when `auth` is `'iam'` (usage plans only meter API keys). */
  public readonly usagePlan?: apigateway.UsagePlan;

  constructor(scope: Construct, id: string, props: QueryApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const stageName = props.stageName ?? 'prod';
    const auth = props.auth ?? 'apiKey';
    const useApiKey = auth !== 'iam';
    const throttle = props.throttle ?? { rateLimit: 50, burstLimit: 100 };
    const quota = props.quota ?? { limit: 1_000_000, period: apigateway.Period.DAY };
    const retention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'CLV Query API: read the results table',
    });
    this.logGroup.grantWrite(this.role);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry ?? `${PROJECT_ROOT}lambdas/handlers/query-api.ts`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb ?? 1024,
      // API Gateway gives up on the integration after 29 s; running longer would only waste the invocation.
      timeout: Duration.seconds(29),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      description: 'CLV Query API: runs, segments and customers from the results table',
      environment: {
        RESULTS_TABLE: props.table.tableName,
        POWERTOOLS_SERVICE_NAME: 'clv-api',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      bundling: esmBundling(),
    });
    const tableArn = props.table.tableArn;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadResults',
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        resources: [tableArn, ...props.indexNames.map((name) => `${tableArn}/index/${name}`)],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention });
    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: props.restApiName ?? `${stack.stackName}-query-api`,
      description: 'CLV engine Query API (read-only)',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // gzip for callers that ask (Power BI, Tableau, curl --compressed): CSV pages shrink about 5×.
      minCompressionSize: Size.kibibytes(8),
      // Execution logging (loggingLevel below) needs the account-level CloudWatch role, or the first deploy
      // in a fresh account fails. The role is an account setting other APIs may rely on too, so deleting this
      // stack keeps it rather than silently breaking their logging.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      defaultMethodOptions: {
        authorizationType:
          auth === 'apiKey' ? apigateway.AuthorizationType.NONE : apigateway.AuthorizationType.IAM,
        apiKeyRequired: useApiKey,
      },
      deployOptions: {
        stageName,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
        tracingEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        // Request and response bodies hold customer data: never in the execution logs.
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
      },
    });
    this.stage = this.api.deploymentStage;
    // RestApi always adds an `Endpoint` output; the stack outputs the same URL as `ApiUrl`, once.
    this.api.node.tryRemoveChild('Endpoint');

    this.requestValidator = this.api.addRequestValidator('ParameterValidator', {
      requestValidatorName: 'parameters',
      validateRequestParameters: true,
      // No GET method declares a body model, so this checks nothing today; a future method with one gets it.
      validateRequestBody: true,
    });
    // One API-scoped invoke permission instead of two per method: every method of this API is this function.
    const integration = new apigateway.LambdaIntegration(this.function, {
      proxy: true,
      scopePermissionToMethod: false,
    });
    this.methods = API_ROUTES.map((route) =>
      this.api.root.resourceForPath(route.path).addMethod('GET', integration, {
        requestValidator: this.requestValidator,
        requestParameters: methodRequestParameters(route),
      }),
    );
    for (const response of PROBLEM_RESPONSES) {
      this.api.addGatewayResponse(`Problem${response.type.responseType}`, {
        type: response.type,
        statusCode: response.status === undefined ? undefined : String(response.status),
        responseHeaders: {
          'Content-Type': "'application/problem+json'",
          ...(response.retryAfterSeconds === undefined
            ? {}
            : { 'Retry-After': `'${response.retryAfterSeconds}'` }),
        },
        templates: { 'application/json': problemTemplate(response) },
      });
    }

    if (useApiKey) {
      this.apiKey = new apigateway.ApiKey(this, 'ApiKey', {
        description: 'CLV Query API key (x-api-key header)',
        enabled: true,
      });
      this.usagePlan = this.api.addUsagePlan('UsagePlan', {
        description: 'Throttle and quota of the CLV Query API key',
        throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
        quota: { limit: quota.limit, period: quota.period },
        apiStages: [{ api: this.api, stage: this.stage }],
      });
      this.usagePlan.addApiKey(this.apiKey);
    }

    this.acknowledgeFindings(auth);
  }

  private acknowledgeFindings(auth: ApiAuth): void {
    Validations.of(this.stage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Every method needs credentials and the stage and usage plan throttle callers; a WAF web ACL (a ' +
        'monthly fee per ACL and rule, plus per request) buys little for a read-only API used by a few BI clients.',
    });
    const cloudWatchRole = this.api.node.findChild('CloudWatchRole');
    Validations.of(cloudWatchRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "API Gateway's account-level logging role: AWS documents this managed policy for it, it grants " +
        'CloudWatch Logs actions only, and AWS keeps it current as the service changes.',
    });
    for (const method of this.methods) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'Callers are machines (BI tools, scripts), not end users, so there is no user pool; they ' +
          `authenticate with ${CREDENTIALS[auth]}.`,
      });
      if (auth === 'apiKey') {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'The method requires an API key (apiKeyRequired) tied to a throttled, quota-limited usage plan; ' +
            'BI tools can send a header but not sign requests. Set api.auth to iam or apiKeyAndIam for SigV4.',
        });
      }
    }
  }
}
