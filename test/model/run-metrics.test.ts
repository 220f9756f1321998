import { describe, expect, it } from 'vitest';
import { runMetrics } from '../../lambdas/model/run-metrics.js';
import type { CustomerMetrics, RunMetrics, SegmentMetrics } from '../../lambdas/model/types.js';
import {
  countFiniteNumbers,
  fixtureSettings,
  fixtureSpend,
  fixtureSummaries,
  fixtureWindow,
  summary,
} from './fixture.js';

function customer(run: RunMetrics, id: string): CustomerMetrics {
  const found = run.customers.find((c) => c.customerId === id);
  if (!found) throw new Error(`no customer ${id}`);
  return found;
}

function segment(run: RunMetrics, dimension: string, value: string): SegmentMetrics {
  const found = run.segments[dimension]?.find((s) => s.value === value);
  if (!found) throw new Error(`no segment ${dimension}=${value}`);
  return found;
}

describe('runMetrics on the hand-computed fixture', () => {
  // Prepare (shared): see fixture.ts for the table.
  // Churn: previous-window actives D, E; retained D → r_w = 1/2; annual churn = 1 − 0.5^(12/3) = 0.9375
  // (above the 1/5 floor); lifespan L = 1/0.9375 = 1.066667 years.
  // Exposure days (age + 1): A 81, B 71, C 55, D 198, E 182, F 1 → Σ 588 → 588/365.25 = 1.609856 years.
  // λ = Σ orders / Σ exposure = 13 / 1.609856 = 8.075255 orders per customer-year.
  const run = runMetrics(fixtureSummaries, fixtureSpend, fixtureWindow, fixtureSettings);

  it('measures churn and the lifespan', () => {
    // Assess
    expect(run.annualChurn).toBeCloseTo(0.9375, 10);
    expect(run.expectedLifespanYears).toBeCloseTo(1.066667, 6);
    expect(run.churnWindow).toBe(fixtureWindow);
  });

  it('computes a customer with its own cost (A)', () => {
    // Act
    const a = customer(run, 'A');
    // Assess
    expect(a.ageDays).toBe(80); // 21 (Jan) + 28 (Feb) + 31 (Mar)
    expect(a.recencyDays).toBe(50); // 2026-01-10 → 2026-03-01
    expect(a.daysSinceLastOrder).toBe(30);
    expect(a.frequency).toBe(2); // 3 purchase days − 1
    expect(a.averageOrderValue).toBeCloseTo(100, 10); // 300 / 3
    expect(a.marginRate).toBeCloseTo(0.6, 10); // (300 − 120) / 300
    expect(a.grossMargin).toBeCloseTo(180, 10); // 300 × 0.6
    // (3 + 8.075255 × 1) / (81/365.25 + 1) = 11.075255 / 1.221766 = 9.064957
    expect(a.purchasesPerYear).toBeCloseTo(9.064957, 5);
    expect(a.expectedLifespanYears).toBeCloseTo(1.066667, 6);
    // 100 × 9.064957 × 1.066667 × 0.6 = 580.1572
    expect(a.historicClv).toBeCloseTo(580.1572, 3);
    expect(a.cohortMonth).toBe('2026-01');
    // ads 2026-01 spend 400 ÷ 2 customers (A, B) = 200; CLV:CAC = 580.1572 / 200 = 2.900786
    expect(a.cac).toBeCloseTo(200, 10);
    expect(a.clvToCac).toBeCloseTo(2.900786, 5);
    expect(a.rfm).toEqual({ r: 3, f: 4, m: 4, segment: 'loyal' });
  });

  it('shrinks the one-day-old customer toward the business rate (F)', () => {
    // Act
    const f = customer(run, 'F');
    // Assess: (1 + 8.075255) / (1/365.25 + 1) = 9.050476 a year, not 1 / (1/365.25) = 365.25.
    expect(f.ageDays).toBe(0);
    expect(f.purchasesPerYear).toBeCloseTo(9.050476, 5);
    // 50 × 9.050476 × 1.066667 × 0.4 = 193.0768
    expect(f.historicClv).toBeCloseTo(193.0768, 3);
    expect(f.cac).toBeCloseTo(150, 10); // email 2026-03: 150 ÷ 1
    expect(f.rfm.segment).toBe('new_customers'); // R5 F1
  });

  it('leaves CAC null where no spend row exists', () => {
    // Assess: D is organic (no spend at all); E is ads but in 2025-10, a month without an ads row.
    expect(customer(run, 'D').cac).toBeNull();
    expect(customer(run, 'D').clvToCac).toBeNull();
    expect(customer(run, 'E').cac).toBeNull();
    // E: net 250 − 50 = 200 over 2 orders → AOV 100; (2 + 8.075255)/(182/365.25 + 1) = 6.724508
    expect(customer(run, 'E').purchasesPerYear).toBeCloseTo(6.724508, 5);
    expect(customer(run, 'E').historicClv).toBeCloseTo(286.9123, 3); // 100 × 6.724508 × 1.066667 × 0.4
  });

  it('sums the whole business', () => {
    // Act
    const all = run.business;
    // Assess
    expect(all.dimension).toBe('_all');
    expect(all.customers).toBe(6);
    expect(all.newCustomers).toBe(4); // A, B, C, F: cohorts 2026-01..03 are the spend months
    expect(all.netRevenue).toBeCloseTo(1200, 10); // 300 + 100 + 150 + 400 + 200 + 50
    // CLVs: A 580.1572, B 324.1920, C 280.2132, D 334.0981, E 286.9123, F 193.0768 → Σ 1998.6497
    expect(all.totalClv).toBeCloseTo(1998.6497, 3);
    expect(all.meanClv).toBeCloseTo(333.1083, 3); // 1998.6497 / 6
    expect(all.medianClv).toBeCloseTo(305.5522, 3); // (286.9123 + 324.1920) / 2
    expect(all.marketingSpend).toBeCloseTo(1150, 10); // 400 + 300 + 100 + 200 + 150
    expect(all.cac).toBeCloseTo(287.5, 10); // 1150 / 4
    expect(all.clvToCac).toBeCloseTo(1.158638, 5); // 333.1083 / 287.5
    expect(all.health).toBe('watch');
    // Monthly margin = AOV × per-year / 12 × margin: A 45.3248, B 25.3275, C 21.8917, D 26.1014,
    // E 22.4150, F 15.0841 → mean 26.0241; payback = 287.5 / 26.0241 = 11.0475 months.
    expect(all.paybackMonths).toBeCloseTo(11.0475, 3);
    expect(all.repeatRate).toBeCloseTo(4 / 6, 10); // A, C, D, E have ≥ 1 repeat purchase
    expect(all.retention).toBeCloseTo(0.0625, 10); // 0.5^4
    expect(all.churn).toBeCloseTo(0.9375, 10);
  });

  it('attributes recorded spend to channels, including losing and unspent ones', () => {
    // Act
    const ads = segment(run, 'acquisition_channel', 'ads');
    const organic = segment(run, 'acquisition_channel', 'organic');
    // Assess: ads spend 400 + 300 + 100 = 800 over new customers A, B (E is 2025-10) → CAC 400.
    expect(ads.marketingSpend).toBeCloseTo(800, 10);
    expect(ads.newCustomers).toBe(2);
    expect(ads.cac).toBeCloseTo(400, 10);
    // mean CLV (580.1572 + 324.1920 + 286.9123) / 3 = 397.0872 → ratio 0.992718 < 1
    expect(ads.clvToCac).toBeCloseTo(0.992718, 5);
    expect(ads.health).toBe('losing');
    // mean monthly margin (45.3248 + 25.3275 + 22.4150) / 3 = 31.0224 → 400 / 31.0224 = 12.8939
    expect(ads.paybackMonths).toBeCloseTo(12.8939, 3);
    // E was active before and not since: annual retention 0, churn 1.
    expect(ads.retention).toBeCloseTo(0, 10);
    expect(ads.churn).toBeCloseTo(1, 10);
    expect(organic.cac).toBeNull();
    expect(organic.health).toBeNull();
    expect(organic.paybackMonths).toBeNull();
    expect(organic.churn).toBeCloseTo(0, 10); // segment churn is reported unfloored
    expect(segment(run, 'acquisition_channel', 'email').retention).toBeNull(); // nobody active before
    expect(run.segments.acquisition_channel?.map((s) => s.value)).toEqual(['ads', 'email', 'organic']);
  });

  it('attributes recorded spend to cohort months', () => {
    // Act
    const feb = segment(run, 'cohort_month', '2026-02');
    // Assess: Feb spend 300 (ads) + 200 (email) = 500 over one new customer (C) → CAC 500.
    expect(feb.marketingSpend).toBeCloseTo(500, 10);
    expect(feb.cac).toBeCloseTo(500, 10);
    expect(feb.clvToCac).toBeCloseTo(0.560426, 5); // 280.2132 / 500
    expect(segment(run, 'cohort_month', '2025-10').cac).toBeNull();
    expect(run.segments.cohort_month?.map((s) => s.value)).toEqual([
      '2025-09',
      '2025-10',
      '2026-01',
      '2026-02',
      '2026-03',
    ]);
  });

  it('allocates spend to a custom dimension through the customers’ CAC', () => {
    // Act
    const de = segment(run, 'country', 'DE');
    const fr = segment(run, 'country', 'FR');
    const unknown = segment(run, 'country', 'unknown');
    // Assess: DE = A 200 + C 200 + F 150 = 550 over 3 new customers → CAC 183.3333.
    expect(de.marketingSpend).toBeCloseTo(550, 10);
    expect(de.cac).toBeCloseTo(183.3333, 3);
    expect(de.clvToCac).toBeCloseTo(1.915359, 5); // (580.1572 + 280.2132 + 193.0768) / 3 / 183.3333
    expect(de.paybackMonths).toBeCloseTo(6.6828, 3); // 183.3333 / ((45.3248 + 21.8917 + 15.0841) / 3)
    // FR = B 200 + E (no CAC) 0 = 200 over 1 new customer (B).
    expect(fr.marketingSpend).toBeCloseTo(200, 10);
    expect(fr.cac).toBeCloseTo(200, 10);
    expect(unknown.customers).toBe(1); // D has no country
    expect(unknown.cac).toBeNull();
    // ads 2026-02 and 2026-03 acquired nobody: 300 + 100 = 400 cannot be allocated to customers.
    expect(de.marketingSpend + fr.marketingSpend + unknown.marketingSpend).toBeCloseTo(1150 - 400, 10);
  });

  it('builds RFM segments, ties included', () => {
    // Assess: B (R1 F1) and E (R1 F2) are both hibernating; B 200 + E 0 allocated spend over B.
    const hibernating = segment(run, 'rfm_segment', 'hibernating');
    expect(hibernating.customers).toBe(2);
    expect(hibernating.cac).toBeCloseTo(200, 10);
    expect(customer(run, 'B').rfm).toEqual({ r: 1, f: 1, m: 1, segment: 'hibernating' });
    expect(customer(run, 'E').rfm).toEqual({ r: 1, f: 2, m: 3, segment: 'hibernating' });
    expect(customer(run, 'D').rfm.segment).toBe('cant_lose'); // R2 F5
    expect(customer(run, 'C').rfm.segment).toBe('potential_loyalist'); // R4 F2
  });

  it('has only finite numbers', () => {
    // Assess
    expect(countFiniteNumbers(run)).toBeGreaterThan(250); // the walk reached every customer and segment
  });
});

describe('runMetrics edge cases', () => {
  it('returns zeros and nulls, never NaN, for empty input', () => {
    // Act
    const run = runMetrics([], [], fixtureWindow, fixtureSettings);
    // Assess: no evidence of churn → floor 1/5 → lifespan 5.
    expect(run.customers).toEqual([]);
    expect(run.annualChurn).toBeCloseTo(0.2, 10);
    expect(run.expectedLifespanYears).toBeCloseTo(5, 10);
    expect(run.business).toMatchObject({
      customers: 0,
      meanClv: 0,
      medianClv: 0,
      cac: null,
      retention: null,
    });
    expect(Object.keys(run.segments)).toEqual([
      'acquisition_channel',
      'cohort_month',
      'rfm_segment',
      'country',
    ]);
    expect(countFiniteNumbers(run)).toBeGreaterThan(5);
  });

  it('reports spend of a channel that acquired nobody, and stays finite on degenerate data', () => {
    // Prepare: fully refunded customer (net 0), zero-margin cost, no prior, spend on a silent channel.
    const summaries = [
      summary({
        id: 'X',
        channel: 'ads',
        first: '2026-03-31',
        last: '2026-03-31',
        orders: 1,
        days: 1,
        gross: 80,
        refunds: 80,
        cost: 0,
        prev: false,
        lastWindow: true,
      }),
      summary({
        id: 'Y',
        channel: 'ads',
        first: '2026-03-01',
        last: '2026-03-01',
        orders: 1,
        days: 1,
        gross: 10,
        refunds: 0,
        cost: 10,
        prev: false,
        lastWindow: true,
      }),
    ];
    const spend = [
      { channel: 'tv', month: '2026-03', amount: 500 },
      { channel: 'ads', month: '2026-03', amount: 0 },
    ];
    // Act
    const run = runMetrics(summaries, spend, fixtureWindow, { ...fixtureSettings, frequencyPriorYears: 0 });
    // Assess
    const tv = segment(run, 'acquisition_channel', 'tv');
    expect(tv.customers).toBe(0);
    expect(tv.marketingSpend).toBeCloseTo(500, 10);
    expect(tv.cac).toBeNull(); // no new customers to divide by
    expect(customer(run, 'X').cac).toBe(0); // a spend row of 0 → CAC 0, ratio undefined
    expect(customer(run, 'X').clvToCac).toBeNull();
    expect(customer(run, 'X').historicClv).toBe(0); // net revenue 0 → AOV 0
    expect(customer(run, 'Y').marginRate).toBe(0); // (10 − 10) / 10
    expect(run.business.paybackMonths).toBeNull(); // mean monthly margin 0
    expect(countFiniteNumbers(run)).toBeGreaterThan(50);
  });

  it('skips configured dimensions that repeat a built-in one', () => {
    // Act
    const run = runMetrics(fixtureSummaries, fixtureSpend, fixtureWindow, {
      ...fixtureSettings,
      segmentDimensions: ['country', 'acquisition_channel', 'country'],
    });
    // Assess
    expect(Object.keys(run.segments)).toEqual([
      'acquisition_channel',
      'cohort_month',
      'rfm_segment',
      'country',
    ]);
    expect(run.segments.acquisition_channel?.map((s) => s.value)).toEqual(['ads', 'email', 'organic']);
  });

  it('rejects settings that would produce NaN', () => {
    // Act / Assess
    expect(() => runMetrics([], [], fixtureWindow, { ...fixtureSettings, maxLifespanYears: 0 })).toThrow(
      /maxLifespanYears/,
    );
  });
});
