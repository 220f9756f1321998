/**
 * Values of shared/reference/btyd-reference-values.md that no other test pins directly: the figures of
 * Hardie's BG/NBD spreadsheet, printed to 4 decimals next to lifetimes' 6-decimal values. Independent
 * of the other model tests (own constants, own tolerance helper). What the reference values reproduce
 * is summarised in the predictive section of docs/metrics.md.
 */
import { describe, expect, it } from 'vitest';
import { conditionalExpectedPurchases, expectedPurchasesNew } from '../../lambdas/model/bg-nbd.js';
import type { BgNbdParams } from '../../lambdas/model/btyd-types.js';

/** The reference table's BG/NBD parameters for these rows (lifetimes 0.11.3 on CDNOW, weeks). */
const CDNOW: BgNbdParams = { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425752 };

/** |got − printed| within half a unit of the printed number's last decimal. */
function expectPrinted(got: number, printed: string): void {
  const decimals = printed.split('.')[1]?.length ?? 0;
  expect(Math.abs(got - Number(printed))).toBeLessThanOrEqual(0.5 * 10 ** -decimals);
}

describe("Hardie's BG/NBD spreadsheet values (4 decimals)", () => {
  it('E[X(t)] for a new customer, eq. (9), at t = 0.1429, 1, 3, 31.8571 and 32 weeks', () => {
    // Prepare: the sheet's sixth value, 1.8576 at t = 78, is not reproducible: eq. (9) converges to
    // 1.857972 (mpmath at 40 digits; lifetimes prints the same), 7.4 half-units away. Summing its ₂F₁
    // (z = 78/82.41 = 0.946, slow) to only 147–150 terms gives 1.85763, so the sheet very likely
    // truncates the series; at z ≤ 0.88 (t ≤ 32) the same truncation is exact to 4 decimals.
    const rows: [t: number, printed: string][] = [
      [0.1429, '0.0078'],
      [1, '0.0532'],
      [3, '0.1506'],
      [31.8571, '1.0405'],
      [32, '1.0437'],
    ];
    for (const [t, printed] of rows) {
      // Act / Assess
      expectPrinted(expectedPurchasesNew(CDNOW, t), printed);
    }
  });

  it("E[Y(39) | x = 2, t_x, T], eq. (10), for the sheet's customer at both printings of its history", () => {
    // Prepare: the sheet's inputs are t_x = 30.43, T = 38.86; the reference table prints them as
    // 30.428571, 38.857143 (213/7, 272/7). Both round to the sheet's 1.226 (1.225910 and 1.225998).
    for (const [tx, T] of [
      [30.43, 38.86],
      [30.428571, 38.857143],
    ] as const) {
      // Act / Assess
      expectPrinted(conditionalExpectedPurchases(CDNOW, 39, 2, tx, T), '1.226');
    }
  });
});
