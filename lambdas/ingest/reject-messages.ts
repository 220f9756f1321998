import type { DatasetMapping } from '../platform/config.js';

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
      return `${name} must be 0 or more`;
    case 'bad_date':
      return field === 'month' ? 'month must be YYYY-MM' : `${name} must be ${dateShape(mapping)}`;
    case 'future_date':
      return `${name} is after the export date ${exportDate}`;
    case 'bad_status':
      return 'status must be completed, refunded or cancelled (or empty for completed)';
    case 'refund_exceeds_revenue':
      return 'refund_amount must not exceed revenue';
    default:
      return `${name}: ${reason}`;
  }
}
