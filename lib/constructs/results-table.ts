import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface ResultsTableProps {
  /**
   * Attribute holding the epoch-seconds expiry of run-scoped items.
   * @default 'expiresAt'
   */
  readonly timeToLiveAttribute?: string;
  /**
   * Refuse DeleteTable calls, whoever makes them.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the table when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The results store: one on-demand table keyed `PK`/`SK`, with PITR, TTL and KMS encryption at rest. */
export class ResultsTable extends Construct {
  /** Run records, per-customer and per-segment results, and the current-run pointer. */
  public readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: ResultsTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: 'PK', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'SK', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: props.timeToLiveAttribute ?? 'expiresAt',
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
