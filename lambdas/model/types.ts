/**
 * Domain types shared by ingest (which produces the inputs), the model core (which computes metrics)
 * and publish (which stores them). Dates are ISO calendar dates `YYYY-MM-DD` in UTC; money is in the
 * export's single currency; durations are stated in the field name.
 */

/** One customer's order history, aggregated by ingest (DuckDB). Cancelled orders are excluded. */
export interface CustomerSummary {
  readonly customerId: string;
  /** UTC date of the first non-cancelled order. */
  readonly firstOrderDate: string;
  /** UTC date of the last non-cancelled order. */
  readonly lastOrderDate: string;
  /** Number of non-cancelled orders (refunded orders count: the customer placed them). */
  readonly orders: number;
  /** Distinct UTC days with at least one non-cancelled order; repeat purchases = purchaseDays − 1. */
  readonly purchaseDays: number;
  /** Σ revenue of non-cancelled orders. */
  readonly grossRevenue: number;
  /** Σ refunds: refund_amount, or the whole revenue of an order with status `refunded` and no amount. */
  readonly refunds: number;
  /** grossRevenue − refunds. May be ≤ 0 when refunds exceed purchases. */
  readonly netRevenue: number;
  /** Net revenue of the first purchase day; the rest is repeat spend (the predictive models' monetary value). */
  readonly firstPurchaseNetRevenue: number;
  /** Σ cost (COGS) when every non-cancelled order carries a cost, else null (the margin rate applies). */
  readonly cost: number | null;
  /** customers.acquired_at when known, else the first order date. */
  readonly acquiredAt: string;
  /** customers.acquisition_channel, else the channel of the first order, else `unknown`. */
  readonly acquisitionChannel: string;
  /** Ordered in the previous churn window (see ChurnWindow). */
  readonly activeInPreviousWindow: boolean;
  /** Ordered in the last churn window (see ChurnWindow). */
  readonly activeInLastWindow: boolean;
  /** Further customer columns (country, plan, ...) by contract name; only those present in the export. */
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * The two consecutive windows over which churn is measured: (previousStart, lastStart] and
 * (lastStart, asOf], each `months` long. Bounds are UTC dates; a start bound is exclusive.
 */
export interface ChurnWindow {
  readonly months: number;
  readonly previousStart: string;
  readonly lastStart: string;
  readonly asOf: string;
}

/** Marketing spend aggregated by acquisition channel and calendar month (`YYYY-MM`). */
export interface SpendByChannelMonth {
  readonly channel: string;
  readonly month: string;
  readonly amount: number;
}

/** Settings the model needs; parsed and defaulted by the config module, passed in (never read here). */
export interface ModelSettings {
  /** Gross margin rate used when a customer's orders carry no cost. 0..1. */
  readonly marginRate: number;
  /** Upper bound of the expected lifespan in years (and so the floor of churn = 1 / cap). */
  readonly maxLifespanYears: number;
  /** Prior exposure, in years, that shrinks a customer's own purchase rate toward the business rate. */
  readonly frequencyPriorYears: number;
  /** Customer attribute columns that become segment dimensions besides the built-in ones. */
  readonly segmentDimensions: readonly string[];
  /** P(alive) below this marks a customer at risk (segment atRiskShare). */
  readonly predictive: { readonly atRiskBelow: number };
}

/** One customer's predictions (parallel to the summaries), from the predictive models. */
export interface CustomerPrediction {
  readonly probabilityAlive: number;
  readonly expectedPurchases30: number;
  readonly expectedPurchases90: number;
  readonly expectedPurchases365: number;
  readonly expectedAverageOrderValue: number;
  readonly predictedClvRevenue: number;
}

export type RfmSegment =
  | 'champions'
  | 'loyal'
  | 'potential_loyalist'
  | 'new_customers'
  | 'promising'
  | 'need_attention'
  | 'about_to_sleep'
  | 'at_risk'
  | 'cant_lose'
  | 'hibernating';

export type HealthLabel = 'healthy' | 'watch' | 'losing';

/** Per-customer metrics published for one run. */
export interface CustomerMetrics {
  readonly customerId: string;
  readonly firstOrderDate: string;
  readonly lastOrderDate: string;
  readonly orders: number;
  /** Repeat purchases: purchaseDays − 1. */
  readonly frequency: number;
  /** Days from first to last purchase. */
  readonly recencyDays: number;
  /** Days from first purchase to the as-of date. */
  readonly ageDays: number;
  /** Days from last purchase to the as-of date (the R of RFM). */
  readonly daysSinceLastOrder: number;
  readonly netRevenue: number;
  readonly averageOrderValue: number;
  readonly marginRate: number;
  readonly grossMargin: number;
  /** Purchases per year after shrinkage toward the business rate. */
  readonly purchasesPerYear: number;
  readonly expectedLifespanYears: number;
  readonly historicClv: number;
  readonly acquisitionChannel: string;
  /** `YYYY-MM` of acquisition. */
  readonly cohortMonth: string;
  /** Spend of the customer's channel × cohort month ÷ its new customers; null when no spend is recorded. */
  readonly cac: number | null;
  readonly clvToCac: number | null;
  readonly rfm: { readonly r: number; readonly f: number; readonly m: number; readonly segment: RfmSegment };
  readonly attributes: Readonly<Record<string, string>>;
  /** P(alive | x, t_x, T) of the chosen purchase model; null when the predictive stage did not run. */
  readonly probabilityAlive: number | null;
  /** Expected purchases in the next 30, 90 and 365 days (conditional expectation). */
  readonly expectedPurchases30: number | null;
  readonly expectedPurchases90: number | null;
  readonly expectedPurchases365: number | null;
  /** Gamma-Gamma conditional expected order value (population mean without positive repeat spend). */
  readonly expectedAverageOrderValue: number | null;
  /** Discounted expected revenue over the horizon (lifetimes' monthly sum). */
  readonly predictedClvRevenue: number | null;
  /** predictedClvRevenue × marginRate. */
  readonly predictedClv: number | null;
  /** predictedClv ÷ cac; null without a CAC or a prediction. */
  readonly predictedClvToCac: number | null;
}

/** Metrics of one segment (or of the whole business, dimension `_all`). */
export interface SegmentMetrics {
  readonly dimension: string;
  readonly value: string;
  readonly customers: number;
  /** Customers acquired in the months covered by marketing spend (the CAC denominator). */
  readonly newCustomers: number;
  readonly netRevenue: number;
  readonly meanClv: number;
  readonly medianClv: number;
  readonly totalClv: number;
  readonly marketingSpend: number;
  readonly cac: number | null;
  readonly clvToCac: number | null;
  readonly health: HealthLabel | null;
  readonly paybackMonths: number | null;
  /** Share of customers with at least one repeat purchase. */
  readonly repeatRate: number;
  /**
   * Share of the previous window's active customers who ordered again in the last window, annualised:
   * (share)^(12 / window months). Null if nobody in the segment was active in the previous window.
   */
  readonly retention: number | null;
  /** 1 − retention (annual). Measured, not floored: unlike RunMetrics.annualChurn it can be 0. */
  readonly churn: number | null;
  /** Mean and total predicted CLV (margin); null when the predictive stage did not run. */
  readonly meanPredictedClv: number | null;
  readonly totalPredictedClv: number | null;
  /** Share of the segment's customers whose P(alive) is below the at-risk line. */
  readonly atRiskShare: number | null;
  /** meanPredictedClv ÷ cac. */
  readonly predictedClvToCac: number | null;
}

/** Everything the model core computes for one run. */
export interface RunMetrics {
  readonly churnWindow: ChurnWindow;
  /** Annualised churn of the whole business, floored at 1 / maxLifespanYears (docs/metrics.md). */
  readonly annualChurn: number;
  /** 1 / annualChurn, so at most maxLifespanYears. */
  readonly expectedLifespanYears: number;
  readonly customers: readonly CustomerMetrics[];
  /**
   * One entry per dimension (built-in: acquisition_channel, cohort_month, rfm_segment; plus configured),
   * each sorted by value. The whole business (`_all`) is `business`, not an entry here.
   */
  readonly segments: Readonly<Record<string, readonly SegmentMetrics[]>>;
  readonly business: SegmentMetrics;
}
