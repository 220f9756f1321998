import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface ExportsBucketProps {
  /**
   * Key prefix of run artefacts (rejects) that expire after `runsExpiration`.
   * @default 'runs/'
   */
  readonly runsPrefix?: string;
  /**
   * How long run artefacts are kept.
   * @default Duration.days(400)
   */
  readonly runsExpiration?: Duration;
  /**
   * How long overwritten or deleted object versions are kept.
   * @default Duration.days(90)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * How long server access logs are kept.
   * @default Duration.days(365)
   */
  readonly accessLogsExpiration?: Duration;
  /**
   * What happens to both buckets when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The data bucket: customer exports in, run artefacts out; private, TLS-only, versioned, access-logged. */
export class ExportsBucket extends Construct {
  /** Exports under `exports/<yyyy-mm-dd>/<dataset>/`, run artefacts under `runs/`. */
  public readonly bucket: s3.Bucket;
  /** Receives the server access logs of `bucket`. */
  public readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ExportsBucketProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    // Grant log delivery through a bucket policy rather than the legacy LogDeliveryWrite ACL, so ACLs stay
    // disabled (BucketOwnerEnforced) even when the app's cdk.json does not set this feature flag.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    // Server access log delivery only supports SSE-S3 on the target bucket.
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: props.accessLogsExpiration ?? Duration.days(365) }],
      removalPolicy,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the access-log target itself; logging it to itself would loop and another bucket adds nothing.',
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'exports-bucket/',
      lifecycleRules: [
        {
          id: 'expire-run-artefacts',
          prefix: props.runsPrefix ?? 'runs/',
          expiration: props.runsExpiration ?? Duration.days(400),
        },
        {
          id: 'tidy-versions-and-uploads',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(90),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy,
    });
  }
}
