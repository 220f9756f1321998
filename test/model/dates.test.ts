import { describe, expect, it } from 'vitest';
import {
  addMonths,
  daysBetween,
  daysInMonth,
  monthKey,
  parseDate,
  wholeMonthsBetween,
} from '../../lambdas/model/dates.js';
import { InvalidDateError } from '../../lambdas/model/errors.js';

describe('dates', () => {
  it('counts days across month ends and leap days', () => {
    // Prepare: Jan 10 → Mar 31 2026 = 21 (rest of Jan) + 28 (Feb) + 31 (Mar) = 80.
    // Act / Assess
    expect(daysBetween('2026-01-10', '2026-03-31')).toBe(80);
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2); // 2024 is a leap year
    expect(daysBetween('2026-03-31', '2026-03-01')).toBe(-30);
  });

  it('adds calendar months, clamping the day to the month end', () => {
    // Act / Assess
    expect(addMonths('2026-03-31', -6)).toBe('2025-09-30'); // September has 30 days
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2025-12-15', 1)).toBe('2026-01-15');
    expect(addMonths('2026-01-15', -13)).toBe('2024-12-15');
  });

  it('counts whole calendar months between two dates', () => {
    // Act / Assess
    expect(wholeMonthsBetween('2025-09-15', '2026-03-31')).toBe(6);
    expect(wholeMonthsBetween('2025-09-30', '2026-03-15')).toBe(5); // Mar 15 < Mar 30
    expect(wholeMonthsBetween('2024-01-31', '2024-02-29')).toBe(1); // clamped month end counts
    expect(wholeMonthsBetween('2026-03-31', '2026-01-01')).toBe(0);
  });

  it('gives month keys and days in month', () => {
    // Act / Assess
    expect(monthKey('2026-02-05')).toBe('2026-02');
    expect(daysInMonth(1900, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
  });

  it('rejects malformed and impossible dates', () => {
    // Act / Assess
    expect(() => parseDate('2026-02-30')).toThrow(InvalidDateError);
    expect(() => parseDate('2026-2-3')).toThrow(InvalidDateError);
    expect(() => parseDate('2026-03-31T00:00:00Z')).toThrow(InvalidDateError);
    expect(() => monthKey('0099-01-01')).toThrow(InvalidDateError);
  });
});
