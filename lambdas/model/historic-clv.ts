/** Per-customer building blocks of historic CLV: exposure, shrunk purchase rate, AOV, margin, CLV. */

/** Mean Gregorian year length, used to turn days into years. */
export const DAYS_PER_YEAR = 365.25;

/** Years a customer has been observed: (ageDays + 1) / 365.25, so the first day counts (never 0). */
export function exposureYears(ageDays: number): number {
  return (Math.max(0, ageDays) + 1) / DAYS_PER_YEAR;
}

/** Business purchase rate λ = Σ orders ÷ Σ exposure years; 0 with no exposure. */
export function businessPurchaseRate(totalOrders: number, totalExposureYears: number): number {
  return totalExposureYears > 0 ? totalOrders / totalExposureYears : 0;
}

/**
 * Posterior mean of a Poisson purchase rate under a Gamma(λ·w, w) prior centred on the business rate λ:
 * (orders + λ·w) ÷ (exposure + w) (Gelman et al., "Bayesian Data Analysis", 3rd ed., §2.6; the same
 * gamma heterogeneity as the NBD in Fader, Hardie & Lee 2005). w = prior exposure in years.
 */
export function shrunkPurchasesPerYear(
  orders: number,
  exposure: number,
  businessRate: number,
  priorYears: number,
): number {
  const denominator = exposure + priorYears;
  return denominator > 0 ? (orders + businessRate * priorYears) / denominator : businessRate;
}

/** Average order value: net revenue ÷ orders; 0 without orders. */
export function averageOrderValue(netRevenue: number, orders: number): number {
  return orders > 0 ? netRevenue / orders : 0;
}

/** (net revenue − cost) ÷ net revenue when cost is known and revenue > 0, else the configured rate. */
export function customerMarginRate(netRevenue: number, cost: number | null, defaultRate: number): number {
  return cost !== null && netRevenue > 0 ? (netRevenue - cost) / netRevenue : defaultRate;
}

/**
 * Historic CLV = AOV × purchases per year × lifespan (years) × margin rate, the undiscounted textbook
 * form (Kumar & Reinartz 2016, "Creating Enduring Customer Value"; Gupta, Lehmann & Stuart 2004).
 */
export function historicClv(
  averageOrderValue: number,
  purchasesPerYear: number,
  lifespanYears: number,
  marginRate: number,
): number {
  return averageOrderValue * purchasesPerYear * lifespanYears * marginRate;
}

/** Gross margin a customer earns per month: AOV × purchases per year ÷ 12 × margin rate. */
export function monthlyGrossMargin(
  averageOrderValue: number,
  purchasesPerYear: number,
  marginRate: number,
): number {
  return (averageOrderValue * purchasesPerYear * marginRate) / 12;
}
