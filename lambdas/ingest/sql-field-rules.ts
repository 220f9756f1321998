import type { CurrencySettings, CustomerIdSettings } from '../platform/config.js';
import { CONTROL_CHARACTER_CLASS, MAX_TEXT_CHARS } from './contract.js';
import { textProblemMessageSql } from './reject-messages.js';
import { CONTROL_GATE, type FieldCheck } from './sql-checks.js';
import { sqlString } from './sql-text.js';

/** Job settings the row rules depend on besides the column mapping. */
export interface RowRuleSettings {
  readonly currency: CurrencySettings;
  readonly customerIds: CustomerIdSettings;
  /** Customer attributes that become segment dimensions: their values are checked like channels. */
  readonly segmentDimensions: readonly string[];
  /**
   * Where a repeated order id is a duplicate: anywhere in the export (single pass), or among one
   * customer's orders (a sharded run, where each shard holds whole customers: the same rule at any shard
   * count). @default 'export'
   */
  readonly orderIdScope?: 'export' | 'customer';
}

export const DEFAULT_ROW_RULES: RowRuleSettings = {
  currency: {},
  customerIds: { case: 'preserve' },
  segmentDimensions: [],
};

/** SQL of a (trimmed) customer id as it is compared: cased as configured. */
export function customerIdSql(expr: string, settings: CustomerIdSettings): string {
  if (settings.case === 'lower') return `lower(${expr})`;
  if (settings.case === 'upper') return `upper(${expr})`;
  return expr;
}

/**
 * The check of an id or a segment value (`value` is the SQL of its cleaned text): `missing_value` when
 * required, `value_too_long` past MAX_TEXT_CHARS characters, `control_character`. `strlen` (bytes, O(1))
 * guards the character count, which scans the text: a value has at least as many bytes as characters.
 * The control-character search only runs where `applyChecks`' CONTROL_GATE flags the row.
 */
export function textCheck(field: string, value: string, required: boolean): FieldCheck {
  const missing = required ? `'missing_value'` : 'NULL';
  return {
    field,
    reason: `CASE WHEN ${value} IS NULL THEN ${missing}
      WHEN strlen(${value}) > ${MAX_TEXT_CHARS} AND length(${value}) > ${MAX_TEXT_CHARS} THEN 'value_too_long'
      WHEN ${CONTROL_GATE} AND regexp_matches(${value}, ${sqlString(CONTROL_CHARACTER_CLASS)})
        THEN 'control_character' END`,
    value,
    controlScan: value,
    message: (reason) => textProblemMessageSql(field, value, reason),
  };
}
