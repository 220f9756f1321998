/** A results table's items, and a run's published items in a form that must not depend on how it ran. */
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';

export type Item = Record<string, unknown>;

/** Every item of `table`, ordered by key. */
export async function tableItems(ddb: DynamoDBDocumentClient, table: string): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey }));
    items.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  const id = (i: Item) => `${String(i.PK)}\u0000${String(i.SK)}`;
  return items.sort((a, b) => (id(a) < id(b) ? -1 : 1));
}

/** A run's published items without what names the run (its id, keys, expiry and start time), sorted. */
export function publishedItems(items: readonly Item[], runId: string) {
  const strip = (item: Item): Item => {
    const copy: Item = {};
    for (const [k, v] of Object.entries(item)) {
      if (['PK', 'SK', 'GSI1PK', 'GSI1SK', 'runId', 'expiresAt', 'startedAt'].includes(k)) continue;
      copy[k] = v;
    }
    return JSON.parse(JSON.stringify(copy).replaceAll(runId, '<run>')) as Item;
  };
  const of = (type: string) =>
    items
      .filter((i) => i.type === type && JSON.stringify(i).includes(runId))
      .map(strip)
      .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return {
    customers: of('customer'),
    members: of('member'),
    segments: of('segment'),
    summary: of('summary'),
  };
}
