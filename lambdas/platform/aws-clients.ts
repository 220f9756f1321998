/**
 * The one place AWS SDK clients are built. In Lambda every option is left out (region and credentials
 * come from the environment); locally `bin/local.ts` and the integration tests point the clients at
 * s3rver / dynalite on loopback.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FaultRecorder } from './fault-recorder.js';
import { countSdkRetries } from './sdk-retries.js';

export interface AwsClientOptions {
  /** Endpoint overrides for local servers; when set, S3 uses path-style URLs and checksums only when required. */
  readonly endpoint?: { readonly s3?: string; readonly dynamodb?: string };
  /** @default the environment's region (AWS_REGION in Lambda) */
  readonly region?: string;
  /** @default the SDK's default credential chain */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Attempts per request, first try included, with the SDK's adaptive retry (backoff + client-side rate limiting). @default 5 */
  readonly maxAttempts?: number;
  /** Where the SDK's own retries are counted (the run record's `faults`); none by default. */
  readonly faults?: FaultRecorder;
}

export interface AwsClients {
  readonly s3: S3Client;
  readonly ddb: DynamoDBDocumentClient;
}

/** Builds the S3 client and the DynamoDB document client from one set of options. */
export function awsClients(options: AwsClientOptions = {}): AwsClients {
  const common = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: 'adaptive',
  };
  const s3Endpoint = options.endpoint?.s3;
  const s3 = new S3Client({
    ...common,
    ...(s3Endpoint
      ? {
          endpoint: s3Endpoint,
          forcePathStyle: true,
          // s3rver corrupts streamed uploads carrying the default CRC32 trailer; local only.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {}),
  });
  const dynamoEndpoint = options.endpoint?.dynamodb;
  const dynamo = new DynamoDBClient({ ...common, ...(dynamoEndpoint ? { endpoint: dynamoEndpoint } : {}) });
  if (options.faults) {
    countSdkRetries(s3, 's3', options.faults);
    countSdkRetries(dynamo, 'dynamodb', options.faults);
  }
  const ddb = DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { s3, ddb };
}
