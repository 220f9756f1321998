/** File names, headers and record shapes of one sample export folder (docs/exports.md contract names). */

export const ORDERS_FILES = ['orders/orders-0001.csv', 'orders/orders-0002.csv'] as const;
export const CUSTOMERS_FILE = 'customers/customers.csv';
export const SPEND_FILE = 'marketing_spend/spend.csv';
/** Empty marker written last: the export folder is complete. */
export const SUCCESS_FILE = '_SUCCESS';

export const ORDER_HEADER = [
  'order_id',
  'customer_id',
  'order_date',
  'revenue',
  'cost',
  'status',
  'refund_amount',
  'currency',
  'channel',
] as const;
export const CUSTOMER_HEADER = [
  'customer_id',
  'acquired_at',
  'acquisition_channel',
  'country',
  'plan',
] as const;
export const SPEND_HEADER = ['month', 'channel', 'amount'] as const;

/** One orders row as it is written: every field already formatted. */
export type OrderRecord = Record<(typeof ORDER_HEADER)[number], string>;
export type CustomerRecord = Record<(typeof CUSTOMER_HEADER)[number], string>;
export type SpendRecord = Record<(typeof SPEND_HEADER)[number], string>;

/** An orders record as CSV cells in header order. */
export function orderCells(record: OrderRecord): string[] {
  return ORDER_HEADER.map((field) => record[field]);
}

/** A customers record as CSV cells in header order. */
export function customerCells(record: CustomerRecord): string[] {
  return CUSTOMER_HEADER.map((field) => record[field]);
}

/** A spend record as CSV cells in header order. */
export function spendCells(record: SpendRecord): string[] {
  return SPEND_HEADER.map((field) => record[field]);
}

/** Cells back to an orders record (for bad rows derived from a good neighbour). */
export function orderRecord(cells: readonly string[]): OrderRecord {
  const entries = ORDER_HEADER.map((field, i) => [field, cells[i] ?? ''] as const);
  return Object.fromEntries(entries) as OrderRecord;
}

/** Money with two decimals and a `.` separator. */
export function formatMoney(amount: number): string {
  return amount.toFixed(2);
}
