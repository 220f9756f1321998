import { IngestError } from './ingest-errors.js';
import type { IngestReport } from './types.js';

/** How many accepted orders carry one currency code. */
export interface CurrencyCount {
  readonly currency: string;
  readonly orders: number;
}

function describe(currencies: readonly CurrencyCount[]): string {
  const list = currencies.map((c) => `${c.currency} (${c.orders} ${c.orders === 1 ? 'order' : 'orders'})`);
  const [base = 'EUR', ...others] = currencies.map((c) => c.currency);
  const rates = others.map((code) => `"${code}": <${base} per 1 ${code}>`).join(', ');
  return (
    `The accepted orders are in ${currencies.length} currencies: ${list.join(', ')}. Amounts in ` +
    'different currencies cannot be added up, so the run stops. Either export one currency, or set a ' +
    `conversion table in the job settings: {"currency": {"base": "${base}", "rates": {${rates}}}} ` +
    '(docs/exports.md, "Currencies")'
  );
}

/**
 * The accepted orders carry more than one currency code and no `currency.base` is configured to
 * convert them into. Thrown by `ExportIngest.load` after validation; `report` is what it had found.
 */
export class MixedCurrencyError extends IngestError {
  override readonly name = 'MixedCurrencyError';
  constructor(
    readonly currencies: readonly CurrencyCount[],
    readonly report: IngestReport,
  ) {
    super(describe(currencies));
  }
}
