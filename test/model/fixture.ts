/**
 * A business small enough to compute by hand (as of 2026-03-31, two 3-month churn windows:
 * (2025-09-30, 2025-12-31] and (2025-12-31, 2026-03-31]). Margin rate 0.4, lifespan cap 5 years,
 * prior exposure 1 year, extra dimension `country`.
 *
 * id  channel  acquired    last order  orders days  net  cost  country prev  last
 * A   ads      2026-01-10  2026-03-01  3      3     300  120   DE      no    yes
 * B   ads      2026-01-20  2026-01-20  1      1     100  –     FR      no    yes
 * C   email    2026-02-05  2026-03-10  2      2     150  –     DE      no    yes
 * D   organic  2025-09-15  2026-02-01  4      3     400  –     (none)  yes   yes
 * E   ads      2025-10-01  2025-11-20  2      2     200  –     FR      yes   no   (250 gross − 50 refund)
 * F   email    2026-03-31  2026-03-31  1      1      50  –     DE      no    yes  (one day old)
 *
 * Spend: ads 2026-01 400, ads 2026-02 300, ads 2026-03 100, email 2026-02 200, email 2026-03 150.
 */
import type {
  ChurnWindow,
  CustomerSummary,
  ModelSettings,
  SpendByChannelMonth,
} from '../../lambdas/model/types.js';

interface Row {
  readonly id: string;
  readonly channel: string;
  readonly first: string;
  readonly last: string;
  readonly orders: number;
  readonly days: number;
  readonly gross: number;
  readonly refunds: number;
  readonly cost: number | null;
  readonly country?: string;
  readonly prev: boolean;
  readonly lastWindow: boolean;
}

/** Builds a summary whose acquisition date is its first order date. */
export function summary(row: Row): CustomerSummary {
  return {
    customerId: row.id,
    firstOrderDate: row.first,
    lastOrderDate: row.last,
    orders: row.orders,
    purchaseDays: row.days,
    grossRevenue: row.gross,
    refunds: row.refunds,
    netRevenue: row.gross - row.refunds,
    // The fixture's customers spend evenly over their purchase days.
    firstPurchaseNetRevenue: (row.gross - row.refunds) / row.days,
    cost: row.cost,
    acquiredAt: row.first,
    acquisitionChannel: row.channel,
    activeInPreviousWindow: row.prev,
    activeInLastWindow: row.lastWindow,
    attributes: row.country === undefined ? {} : { country: row.country },
  };
}

const base = { refunds: 0, cost: null } as const;

export const fixtureSummaries: readonly CustomerSummary[] = [
  summary({
    ...base,
    id: 'A',
    channel: 'ads',
    first: '2026-01-10',
    last: '2026-03-01',
    orders: 3,
    days: 3,
    gross: 300,
    cost: 120,
    country: 'DE',
    prev: false,
    lastWindow: true,
  }),
  summary({
    ...base,
    id: 'B',
    channel: 'ads',
    first: '2026-01-20',
    last: '2026-01-20',
    orders: 1,
    days: 1,
    gross: 100,
    country: 'FR',
    prev: false,
    lastWindow: true,
  }),
  summary({
    ...base,
    id: 'C',
    channel: 'email',
    first: '2026-02-05',
    last: '2026-03-10',
    orders: 2,
    days: 2,
    gross: 150,
    country: 'DE',
    prev: false,
    lastWindow: true,
  }),
  summary({
    ...base,
    id: 'D',
    channel: 'organic',
    first: '2025-09-15',
    last: '2026-02-01',
    orders: 4,
    days: 3,
    gross: 400,
    prev: true,
    lastWindow: true,
  }),
  summary({
    ...base,
    id: 'E',
    channel: 'ads',
    first: '2025-10-01',
    last: '2025-11-20',
    orders: 2,
    days: 2,
    gross: 250,
    refunds: 50,
    country: 'FR',
    prev: true,
    lastWindow: false,
  }),
  summary({
    ...base,
    id: 'F',
    channel: 'email',
    first: '2026-03-31',
    last: '2026-03-31',
    orders: 1,
    days: 1,
    gross: 50,
    country: 'DE',
    prev: false,
    lastWindow: true,
  }),
];

export const fixtureSpend: readonly SpendByChannelMonth[] = [
  { channel: 'ads', month: '2026-01', amount: 400 },
  { channel: 'ads', month: '2026-02', amount: 300 },
  { channel: 'ads', month: '2026-03', amount: 100 },
  { channel: 'email', month: '2026-02', amount: 200 },
  { channel: 'email', month: '2026-03', amount: 150 },
];

export const fixtureWindow: ChurnWindow = {
  months: 3,
  previousStart: '2025-09-30',
  lastStart: '2025-12-31',
  asOf: '2026-03-31',
};

export const fixtureSettings: ModelSettings = {
  marginRate: 0.4,
  maxLifespanYears: 5,
  frequencyPriorYears: 1,
  segmentDimensions: ['country'],
  predictive: { atRiskBelow: 0.5 },
};

/** Asserts (by throwing) that every number reachable from `value` is finite; returns how many it saw. */
export function countFiniteNumbers(value: unknown, path = '$'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${path} is ${value}`);
    return 1;
  }
  if (value === null || typeof value !== 'object') return 0;
  let count = 0;
  for (const [key, child] of Object.entries(value)) count += countFiniteNumbers(child, `${path}.${key}`);
  return count;
}
