import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { MEMBER_SORT_INDEXES } from '../../lambdas/publish/keys.js';

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

/**
 * The results store: one on-demand table keyed `PK`/`SK`, with PITR, TTL and KMS encryption at rest, and one
 * sparse index per extra member sort order (`MEMBER_SORT_INDEXES`: same `PK`, another sort key, all attributes).
 */
export class ResultsTable extends Construct {
  /** Run records, per-customer and per-segment results, and the current-run pointer. */
  public readonly table: dynamodb.TableV2;
  /** Names of the table's global secondary indexes (readers are granted these and nothing wider). */
  public readonly indexNames: readonly string[];

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
      globalSecondaryIndexes: Object.values(MEMBER_SORT_INDEXES).map(({ indexName, sortKey }) => ({
        indexName,
        partitionKey: { name: 'PK', type: dynamodb.AttributeType.STRING },
        sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      })),
    });
    this.indexNames = Object.values(MEMBER_SORT_INDEXES).map((index) => index.indexName);
  }
}
