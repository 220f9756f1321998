import type { DatasetMapping } from '../platform/config.js';
import { sqlString } from './sql-text.js';

type MoneySettings = Pick<DatasetMapping, 'decimalSeparator' | 'lenientMoney'>;

const NON_FINITE = '[+-]?(?i:inf|infinity|nan)';
const PLAIN_DOT = '[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?';
const GROUPED_DOT = '[+-]?\\d{1,3}(,\\d{3})+(\\.\\d+)?';
const COMMA = '[+-]?(\\d{1,3}(\\.\\d{3})+|\\d+)(,\\d+)?';
/** Currency symbols (Unicode Sc), spaces incl. no-break ones, and a leading or trailing ISO code. */
const LENIENT_STRIP = '[\\p{Sc}\\s\\x{00A0}\\x{202F}]|^[A-Z]{3}|[A-Z]{3}$';

/**
 * Amounts from 10¹⁵ up are rejected: no order or month of spend is worth a quadrillion, so such a value is
 * a unit or format error, and customer sums are exact 128-bit decimals (customer-summary-sql.ts exactSum),
 * which this bound keeps from overflowing.
 */
export const MAX_AMOUNT = 1e15;

function matches(expr: string, pattern: string): string {
  return `regexp_full_match(${expr}, ${sqlString(pattern)})`;
}

/**
 * SQL turning a trimmed money text into a canonical number text for `TRY_CAST(... AS DOUBLE)`, or NULL
 * when it does not have the configured shape. Nothing is guessed: `1,5` is only a number with
 * decimalSeparator ','; `$1,234.50` and `1.234,50 €` only with lenientMoney.
 */
export function moneyTextSql(expr: string, settings: MoneySettings): string {
  const s = settings.lenientMoney ? `regexp_replace(${expr}, ${sqlString(LENIENT_STRIP)}, '', 'g')` : expr;
  if (settings.decimalSeparator === ',') {
    return `CASE WHEN ${matches(s, NON_FINITE)} THEN ${s}
      WHEN ${matches(s, COMMA)} THEN replace(replace(${s}, '.', ''), ',', '.') END`;
  }
  const grouped = settings.lenientMoney ? `WHEN ${matches(s, GROUPED_DOT)} THEN replace(${s}, ',', '')` : '';
  return `CASE WHEN ${matches(s, NON_FINITE)} OR ${matches(s, PLAIN_DOT)} THEN ${s} ${grouped} END`;
}

/** SQL of the number a money text stands for (DOUBLE), NULL when it is not a number. */
export function moneySql(expr: string, settings: MoneySettings): string {
  return `TRY_CAST(${moneyTextSql(expr, settings)} AS DOUBLE)`;
}

/** SQL of the reject reason of a money field, NULL when valid. `raw` is the cleaned text, `value` its number. */
export function moneyReasonSql(raw: string, value: string, required: boolean): string {
  const missing = required ? `WHEN ${raw} IS NULL THEN 'missing_value'` : `WHEN ${raw} IS NULL THEN NULL`;
  return `CASE ${missing}
    WHEN ${value} IS NULL THEN 'not_a_number'
    WHEN NOT isfinite(${value}) THEN 'not_finite'
    WHEN ${value} < 0 THEN 'negative_amount'
    WHEN ${value} >= ${MAX_AMOUNT} THEN 'amount_too_large' END`;
}
