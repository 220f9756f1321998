import type { DuckDBConnection } from '@duckdb/node-api';
import type { CurrencySettings } from '../platform/config.js';
import { type CurrencyCount, MixedCurrencyError } from './currency-errors.js';
import { unknownCurrencyMessageSql } from './reject-messages.js';
import type { FieldCheck } from './sql-checks.js';
import { sqlString } from './sql-text.js';
import type { IngestReport } from './types.js';

/** SQL pieces of the orders' currency rules over the cleaned `currency` text. */
export interface CurrencySql {
  /** The upper-case code; the base for an empty currency when a base is set. */
  readonly code: string;
  /** The factor into the base currency, or null when nothing is converted (no base configured). */
  readonly rate: string | null;
  readonly check: FieldCheck;
}

/**
 * The currency rules of one settings object. Codes are compared upper-case after trimming; without a
 * base any well-formed code passes (mixing is caught after loading); with one, a code must be the base
 * or have a rate.
 */
export function currencySql(settings: CurrencySettings, currency = 'currency'): CurrencySql {
  const upper = `upper(${currency})`;
  const shape = `CASE WHEN ${currency} IS NULL THEN NULL
    WHEN NOT regexp_full_match(${currency}, '[A-Za-z]{3}') THEN 'bad_currency'`;
  if (settings.base === undefined) {
    return { code: upper, rate: null, check: { field: 'currency', reason: `${shape} END`, value: currency } };
  }
  const rates = Object.entries(settings.rates ?? {}).filter(([code]) => code !== settings.base);
  const known = [settings.base, ...rates.map(([code]) => code)].map(sqlString).join(', ');
  const cases = rates.map(([code, rate]) => `WHEN ${sqlString(code)} THEN CAST(${rate} AS DOUBLE)`);
  return {
    code: `coalesce(${upper}, ${sqlString(settings.base)})`,
    rate: rates.length === 0 ? null : `CASE ${upper} ${cases.join(' ')} ELSE 1.0 END`,
    check: {
      field: 'currency',
      reason: `${shape} WHEN ${upper} NOT IN (${known}) THEN 'unknown_currency' END`,
      value: currency,
      message: (reason) =>
        `CASE WHEN ${reason} = 'unknown_currency' THEN ${unknownCurrencyMessageSql(upper, settings)} END`,
    },
  };
}

/** Currency codes of the accepted orders with their order counts, most frequent first. */
export async function orderCurrencies(conn: DuckDBConnection): Promise<CurrencyCount[]> {
  const reader = await conn.runAndReadAll(`SELECT currency, count(*)::DOUBLE AS n FROM orders_ok
    WHERE currency IS NOT NULL GROUP BY currency ORDER BY n DESC, currency`);
  return reader.getRowsJS().map(([currency, orders]) => ({
    currency: String(currency),
    orders: Number(orders),
  }));
}

/** Throws MixedCurrencyError when orders carry several codes and no base is set to convert them into. */
export async function assertOneCurrency(
  conn: DuckDBConnection,
  settings: CurrencySettings,
  report: IngestReport,
): Promise<void> {
  if (settings.base !== undefined) return;
  const currencies = await orderCurrencies(conn);
  if (currencies.length > 1) throw new MixedCurrencyError(currencies, report);
}
