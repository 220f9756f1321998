import type { ChurnWindow, CustomerSummary, SpendByChannelMonth } from '../model/types.js';
import type { ColumnMapping, CurrencySettings, CustomerIdSettings } from '../platform/config.js';
import {
  ATTRIBUTE_PREFIX,
  type CalibrationHistories,
  readCalibrationHistories,
  readCustomerSummaries,
} from './customer-summary-sql.js';
import { assertDateFormat } from './date-sql.js';
import { scalarNumber } from './duckdb-scalar.js';
import { openDuckDb } from './duckdb-session.js';
import { IngestStateError } from './ingest-errors.js';
import { readRejects } from './read-rejects.js';
import { readSpendByChannelMonth } from './spend-sql.js';
import { assertOneCurrency } from './sql-currency.js';
import { DEFAULT_ROW_RULES, type RowRuleSettings } from './sql-field-rules.js';
import { sqlDate } from './sql-text.js';
import { validateCustomers } from './sql-validate-customers.js';
import { validateOrders } from './sql-validate-orders.js';
import { validateSpend } from './sql-validate-spend.js';
import { createDatasetView, dropStaging, stageDatasetFile } from './stage-dataset.js';
import {
  DATASETS,
  type Dataset,
  type DatasetCounts,
  type IngestReport,
  type LocalExportFile,
} from './types.js';

export interface IngestOptions {
  /** YYYY-MM-DD; rows dated after it are rejected (future_date). */
  readonly exportDate: string;
  readonly mapping: ColumnMapping;
  /**
   * Currencies of the orders (job setting `currency`). Without a base, orders in more than one
   * currency make `load` throw MixedCurrencyError. @default {}
   */
  readonly currency?: CurrencySettings;
  /** How customer ids are compared (job setting `customerIds`). @default { case: 'preserve' } */
  readonly customerIds?: CustomerIdSettings;
  /** Customer attributes that are segment dimensions: checked like channels. @default [] */
  readonly segmentDimensions?: readonly string[];
  /** DuckDB home, temp (spill) and extension directories go under here (Lambda: /tmp/...). */
  readonly workDir: string;
  readonly memoryLimitMb: number;
  /** @default 2 */
  readonly threads?: number;
}

export interface ExportIngest {
  /**
   * Reads, validates and stores one export's files (call once); rejects are reported, not thrown.
   * Throws MixedCurrencyError when the accepted orders mix currencies and no `currency.base` is set.
   */
  load(files: readonly LocalExportFile[]): Promise<IngestReport>;
  /** First and last accepted order dates, null when no order was accepted. */
  orderDateRange(): Promise<{ first: string; last: string } | null>;
  /** One summary per customer with a non-cancelled order on or before window.asOf, by customer id. */
  customerSummaries(window: ChurnWindow): Promise<CustomerSummary[]>;
  /** Histories cut at `split` with each customer's purchases after it, for the predictive backtest. */
  calibrationHistories(split: string, asOf: string): Promise<CalibrationHistories>;
  /** Marketing spend summed by channel and month, ordered by channel then month. */
  spendByChannelMonth(): Promise<SpendByChannelMonth[]>;
  /** Releases DuckDB; the instance is unusable afterwards. */
  close(): Promise<void>;
}

/** Opens an ingest session over an embedded DuckDB; call `load` once, then query, then `close`. */
export async function openIngest(options: IngestOptions): Promise<ExportIngest> {
  sqlDate(options.exportDate);
  const { db, conn } = await openDuckDb(options);
  let state: 'open' | 'loaded' | 'closed' = 'open';
  let attributeColumns: string[] = [];
  const rules: RowRuleSettings = {
    currency: options.currency ?? DEFAULT_ROW_RULES.currency,
    customerIds: options.customerIds ?? DEFAULT_ROW_RULES.customerIds,
    segmentDimensions: options.segmentDimensions ?? DEFAULT_ROW_RULES.segmentDimensions,
  };

  const requireLoaded = (): void => {
    if (state !== 'loaded') throw new IngestStateError(`Ingest is ${state}; call load() first`);
  };
  const scalar = (sql: string): Promise<number> => scalarNumber(conn, sql);

  return {
    async load(files) {
      if (state !== 'open') throw new IngestStateError(`load() called on an ingest that is ${state}`);
      state = 'loaded';
      for (const dataset of DATASETS) {
        await assertDateFormat(options.mapping[dataset].dateFormat, (sql) =>
          conn.run(sql).then(() => undefined),
        );
      }
      const read: Record<Dataset, { files: number; rows: number }> = {
        orders: { files: 0, rows: 0 },
        customers: { files: 0, rows: 0 },
        marketing_spend: { files: 0, rows: 0 },
      };
      const views: Record<Dataset, string[]> = { orders: [], customers: [], marketing_spend: [] };
      for (const [i, file] of files.entries()) {
        const staged = await stageDatasetFile(conn, file, i + 1, options.mapping[file.dataset]);
        read[file.dataset].files += 1;
        read[file.dataset].rows += staged.rowsRead;
        if (staged.view !== null) views[file.dataset].push(staged.view);
      }
      for (const dataset of DATASETS) await createDatasetView(conn, dataset, views[dataset]);
      // Customers first: orders are checked against their customer's acquired_at.
      await validateCustomers(conn, options.mapping.customers, options.exportDate, rules);
      await validateOrders(conn, options.mapping.orders, options.exportDate, rules);
      await validateSpend(conn, options.mapping.marketing_spend, options.exportDate);
      await dropStaging(conn);
      const columns = await conn.runAndReadAll(
        `SELECT column_name FROM duckdb_columns() WHERE table_name = 'customers_ok' AND starts_with(column_name, '${ATTRIBUTE_PREFIX}') ORDER BY column_index`,
      );
      attributeColumns = columns.getRows().map((r) => String(r[0]));
      const accepted: Record<Dataset, number> = {
        orders: await scalar('SELECT count(*) FROM orders_ok'),
        customers: await scalar('SELECT count(*) FROM customers_ok'),
        marketing_spend: await scalar('SELECT count(*) FROM spend_ok'),
      };
      const counts = (d: Dataset): DatasetCounts => ({
        files: read[d].files,
        rowsRead: read[d].rows,
        rowsAccepted: accepted[d],
        rowsRejected: read[d].rows - accepted[d],
      });
      const rejects = await readRejects(conn, files, options.mapping, options.exportDate);
      const report: IngestReport = {
        datasets: {
          orders: counts('orders'),
          customers: counts('customers'),
          marketing_spend: counts('marketing_spend'),
        },
        rejects,
        duplicateOrders: rejects.filter((r) => r.reason === 'duplicate_order_id').length,
        unreadableFiles: rejects.filter((r) => r.reason === 'unreadable_file').map((r) => r.file),
      };
      await assertOneCurrency(conn, rules.currency, report);
      return report;
    },

    async orderDateRange() {
      requireLoaded();
      const reader = await conn.runAndReadAll(
        `SELECT strftime(min(order_date), '%Y-%m-%d'), strftime(max(order_date), '%Y-%m-%d') FROM orders_ok`,
      );
      const [first, last] = reader.getRowsJS()[0] ?? [];
      return typeof first === 'string' && typeof last === 'string' ? { first, last } : null;
    },

    async customerSummaries(window) {
      requireLoaded();
      return readCustomerSummaries(conn, window, attributeColumns);
    },

    async calibrationHistories(split, asOf) {
      requireLoaded();
      return readCalibrationHistories(conn, split, asOf);
    },

    async spendByChannelMonth() {
      requireLoaded();
      return readSpendByChannelMonth(conn);
    },

    async close() {
      if (state === 'closed') return;
      state = 'closed';
      conn.closeSync();
      db.closeSync();
    },
  };
}
