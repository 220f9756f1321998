import type { CurrencySettings, DatasetMapping } from '../platform/config.js';
import { CONTROL_CHARACTER_CLASS, MAX_TEXT_CHARS } from './contract.js';
import { sqlString } from './sql-text.js';

/** What a date field must look like under a mapping, for messages. */
function dateShape(mapping: DatasetMapping): string {
  return mapping.dateFormat === undefined
    ? 'an ISO date (2024-03-01) or timestamp with offset (2024-03-01T10:00:00+02:00)'
    : `a date in the format ${mapping.dateFormat}`;
}

/** What a money field must look like under a mapping, for messages. */
function moneyShape(mapping: DatasetMapping): string {
  const base =
    mapping.decimalSeparator === ',' ? 'a number like 1234,50 or 1.234,50' : 'a number like 1234.50';
  return mapping.lenientMoney ? `${base} (currency symbols allowed)` : `${base} without currency symbols`;
}

/** Human explanation of a validation reject, naming what was expected. */
export function rejectMessage(
  reason: string,
  field: string | null,
  mapping: DatasetMapping,
  exportDate: string,
): string {
  const name = field ?? 'row';
  switch (reason) {
    case 'missing_value':
      return field === 'date'
        ? 'A spend row needs a date (or a month YYYY-MM)'
        : `${name} is required but empty`;
    case 'not_a_number':
      return `${name} must be ${moneyShape(mapping)}`;
    case 'not_finite':
      return `${name} must be a finite number`;
    case 'negative_amount':
      return field === 'revenue'
        ? 'revenue must be 0 or more: a refund is status=refunded with refund_amount, not a negative revenue'
        : `${name} must be 0 or more`;
    case 'amount_too_large':
      return `${name} must be below 10^15: a larger amount is a unit or format error`;
    case 'bad_date':
      return field === 'month' ? 'month must be YYYY-MM' : `${name} must be ${dateShape(mapping)}`;
    case 'future_date':
      return `${name} is after the export date ${exportDate}`;
    case 'bad_status':
      return 'status must be completed, refunded or cancelled (or empty for completed)';
    case 'refund_exceeds_revenue':
      return 'refund_amount must not exceed revenue';
    case 'bad_currency':
      return 'currency must be an ISO 4217 code of 3 letters, like EUR (or empty)';
    // The SQL message builders below name the value; these are what a reject without one says.
    case 'unknown_currency':
      return 'currency has no rate in currency.rates';
    case 'value_too_long':
      return `${name} is longer than ${MAX_TEXT_CHARS} characters`;
    case 'control_character':
      return `${name} contains a control character`;
    case 'before_acquisition':
      return "order_date is before the customer's acquired_at";
    default:
      return `${name}: ${reason}`;
  }
}

/**
 * SQL of the message of a text-field reject (`value_too_long`, `control_character`), naming the limit
 * and the actual length, or the first control character as U+XXXX and its 1-based character position.
 * Only evaluated for rejected rows. NULL for other reasons (their template message is used).
 */
export function textProblemMessageSql(field: string, value: string, reason: string): string {
  const control = `regexp_extract(${value}, ${sqlString(CONTROL_CHARACTER_CLASS)})`;
  return `CASE ${reason}
    WHEN 'value_too_long' THEN ${sqlString(`${field} is `)} || length(${value})
      || ${sqlString(` characters long; at most ${MAX_TEXT_CHARS} are allowed (ids and segment values become DynamoDB keys)`)}
    WHEN 'control_character' THEN ${sqlString(`${field} contains the control character `)}
      || printf('U+%04X', unicode(${control})) || ' at position ' || instr(${value}, ${control})
      || '; ids, channels and segment values must be printable text on one line' END`;
}

/** SQL of the message of an `unknown_currency` reject: the code, the base and the rates configured. */
export function unknownCurrencyMessageSql(code: string, currency: CurrencySettings): string {
  const known = Object.keys(currency.rates ?? {}).filter((c) => c !== currency.base);
  const base = currency.base ?? '?';
  const rates = known.length > 0 ? `rates are set for ${known.join(', ')}` : 'no rates are set';
  return `'currency ' || ${code} || ${sqlString(` has no rate in currency.rates (base ${base}; ${rates}); add "`)}
    || ${code} || ${sqlString(`": <${base} per unit> to the job settings or fix the order`)}`;
}

/** SQL of the message of a `before_acquisition` reject, naming the customer row that set acquired_at. */
export function beforeAcquisitionMessageSql(
  orderDate: string,
  acquiredAt: string,
  customersFile: string,
  customersRow: string,
): string {
  return `'order_date ' || strftime(${orderDate}, '%Y-%m-%d') || ' is before the customer''s acquired_at '
    || strftime(${acquiredAt}, '%Y-%m-%d') || ' (' || ${customersFile} || ' row ' || ${customersRow}
    || '); an order cannot precede its customer''s acquisition: fix acquired_at or the order'`;
}
