/** Pure UTC calendar-date helpers over `YYYY-MM-DD` strings (no clock, no time zones). */
import { InvalidDateError } from './errors.js';

const MS_PER_DAY = 86_400_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** A calendar date split into numbers; `month` is 1..12. */
export interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Number of days in a month (`month` 1..12) of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 31);
}

/** Parses `YYYY-MM-DD`; throws InvalidDateError for anything else or an impossible date. */
export function parseDate(date: string): CalendarDate {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const year = Number(match?.[1]);
  const month = Number(match?.[2]);
  const day = Number(match?.[3]);
  // Years below 1000 are refused: Date.UTC maps years 0..99 onto 1900..1999.
  if (!match || year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new InvalidDateError(`Not a YYYY-MM-DD calendar date: "${date}"`);
  }
  return { year, month, day };
}

/** Formats a calendar date as `YYYY-MM-DD`. */
export function formatDate(date: CalendarDate): string {
  const pad = (value: number, width: number): string => String(value).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date. */
export function dayNumber(date: string): number {
  const { year, month, day } = parseDate(date);
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

/** A dayNumber that remembers dates already parsed (export dates repeat heavily across customers). */
export function memoisedDayNumber(): (date: string) => number {
  const seen = new Map<string, number>();
  return (date: string): number => {
    let day = seen.get(date);
    if (day === undefined) {
      day = dayNumber(date);
      seen.set(date, day);
    }
    return day;
  };
}

/** A monthKey that remembers dates already seen (sharing one key string per month). */
export function memoisedMonthKey(): (date: string) => string {
  const seen = new Map<string, string>();
  return (date: string): string => {
    let key = seen.get(date);
    if (key === undefined) {
      key = monthKey(date);
      seen.set(date, key);
    }
    return key;
  };
}

/** Days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

/** Adds calendar months (negative to subtract), clamping the day to the target month's end. */
export function addMonths(date: string, months: number): string {
  const { year, month, day } = parseDate(date);
  const index = year * 12 + (month - 1) + Math.trunc(months);
  const targetYear = Math.floor(index / 12);
  const targetMonth = index - targetYear * 12 + 1;
  return formatDate({
    year: targetYear,
    month: targetMonth,
    day: Math.min(day, daysInMonth(targetYear, targetMonth)),
  });
}

/** Whole calendar months from `from` to `to`: the largest k with addMonths(from, k) ≤ to, at least 0. */
export function wholeMonthsBetween(from: string, to: string): number {
  const a = parseDate(from);
  const b = parseDate(to);
  let months = (b.year - a.year) * 12 + (b.month - a.month);
  // ISO dates compare correctly as strings.
  if (months > 0 && addMonths(from, months) > to) months -= 1;
  return Math.max(0, months);
}

/** The `YYYY-MM` month key of a `YYYY-MM-DD` date. */
export function monthKey(date: string): string {
  parseDate(date);
  return date.slice(0, 7);
}

/** The date `days` days after `date` (before it when negative). */
export function addDays(date: string, days: number): string {
  const d = new Date((dayNumber(date) + days) * MS_PER_DAY);
  return formatDate({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
}
