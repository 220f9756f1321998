/**
 * A DynamoDB document client for the benchmark that counts customer and member puts instead of sending
 * them: at a million customers dynalite would take hours, and the real table's write time is set by its
 * throughput, not by our code (docs/scale.md extrapolates it from the counts measured here). Everything
 * else (run records, lock, segments, pointer) goes to the real local server.
 */
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/** Items sized: every SIZE_SAMPLE-th counted put (sizes and units are scaled up from them). */
const SIZE_SAMPLE = 20;

export interface WriteTally {
  items: number;
  /** Estimated stored size (attribute names + values, DynamoDB's size rules), from a sample of the items. */
  bytes: number;
  /** Write capacity units the puts would consume: one per started KB of each item. */
  writeUnits: number;
}

/** DynamoDB's item size rules: names and strings in UTF-8, numbers ≈ 1 + digits / 2, 3 bytes + 1 per element for maps and lists. */
export function itemBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') {
    const digits = String(Math.abs(value))
      .replace(/[.e+-]/g, '')
      .replace(/^0+/, '').length;
    return 1 + Math.ceil(Math.max(digits, 1) / 2);
  }
  if (Array.isArray(value)) return 3 + value.reduce((s: number, v) => s + 1 + itemBytes(v), 0);
  if (typeof value === 'object') {
    let size = 3;
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) size += 1 + Buffer.byteLength(k, 'utf8') + itemBytes(v);
    }
    return size;
  }
  return 0;
}

/** Wraps `ddb` so that BatchWrite puts of items for which `counted(item)` holds are tallied, not sent. */
export function countingDynamo(
  ddb: DynamoDBDocumentClient,
  counted: (item: Record<string, unknown>) => boolean,
): { readonly client: DynamoDBDocumentClient; readonly tally: WriteTally } {
  const tally: WriteTally = { items: 0, bytes: 0, writeUnits: 0 };
  const sampled: WriteTally = { items: 0, bytes: 0, writeUnits: 0 };
  const send = ddb.send.bind(ddb) as (command: unknown) => Promise<unknown>;
  const client = new Proxy(ddb, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown) => {
        if (!(command instanceof BatchWriteCommand)) return send(command);
        const forwarded: Record<string, WriteRequest[]> = {};
        for (const [table, requests] of Object.entries(command.input.RequestItems ?? {})) {
          const rest: WriteRequest[] = [];
          for (const request of requests as WriteRequest[]) {
            const item = request.PutRequest?.Item;
            if (item && counted(item)) {
              tally.items += 1;
              // Sizing every item would slow the measured stage by ~25%: one in SIZE_SAMPLE is sized.
              if ((tally.items - 1) % SIZE_SAMPLE === 0) {
                const bytes = itemBytes(item) - 3;
                sampled.items += 1;
                sampled.bytes += bytes;
                sampled.writeUnits += Math.max(1, Math.ceil(bytes / 1024));
              }
              tally.bytes = Math.round((sampled.bytes / sampled.items) * tally.items);
              tally.writeUnits = Math.round((sampled.writeUnits / sampled.items) * tally.items);
            } else rest.push(request);
          }
          if (rest.length > 0) forwarded[table] = rest;
        }
        if (Object.keys(forwarded).length === 0) return { UnprocessedItems: {} };
        return send(new BatchWriteCommand({ ...command.input, RequestItems: forwarded }));
      };
    },
  });
  return { client, tally };
}
