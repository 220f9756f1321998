/**
 * The row rules of one customer shard (docs/scale.md): every row of the shard's customers, from every
 * file, through the same validation as the single-pass ingest (sql-validate-*.ts). Duplicate order ids
 * are judged per customer (`orderIdScope: 'customer'`), which every shard can do on its own. The valid
 * rows are written back as Parquet for the summaries and the backtest.
 */
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CurrencyCount } from './currency-errors.js';
import { assertDateFormat } from './date-sql.js';
import type { IngestOptions } from './duckdb-ingest.js';
import { scalarNumber } from './duckdb-scalar.js';
import { openDuckDb } from './duckdb-session.js';
import { orderCurrencies } from './sql-currency.js';
import { DEFAULT_ROW_RULES, type RowRuleSettings } from './sql-field-rules.js';
import { parquetFiles, sqlString } from './sql-text.js';
import { validateCustomers } from './sql-validate-customers.js';
import { validateOrders } from './sql-validate-orders.js';
import { validateSpend } from './sql-validate-spend.js';
import { createDatasetView, dropStaging } from './stage-dataset.js';
import { DATASETS, type Dataset } from './types.js';

/** A file of the export, by its 1-based index (reject messages name the file a duplicate's first copy is in). */
export interface ExportFileName {
  readonly fileIdx: number;
  readonly name: string;
}

/** Where the shard's valid rows were written, one Parquet file per dataset. */
export type ValidatedPaths = Readonly<Record<Dataset, string>>;

export interface ValidatedShard {
  readonly accepted: Readonly<Record<Dataset, number>>;
  /** The shard's rejects as Parquet of the `rejects` table, or null. */
  readonly rejectsPath: string | null;
  readonly currencies: readonly CurrencyCount[];
  /** First and last accepted order dates; null without an accepted order. */
  readonly range: { readonly first: string; readonly last: string } | null;
  readonly paths: ValidatedPaths;
}

const OK_TABLES: Record<Dataset, string> = {
  orders: 'orders_ok',
  customers: 'customers_ok',
  marketing_spend: 'spend_ok',
};

async function stageParts(conn: DuckDBConnection, dataset: Dataset, parts: readonly string[]): Promise<void> {
  const views: string[] = [];
  if (parts.length > 0) {
    await conn.run(`CREATE TEMP VIEW raw_${dataset} AS SELECT * FROM ${parquetFiles(parts)}`);
    views.push(`raw_${dataset}`);
  }
  await createDatasetView(conn, dataset, views);
}

async function dateRange(conn: DuckDBConnection): Promise<ValidatedShard['range']> {
  const reader = await conn.runAndReadAll(
    `SELECT strftime(min(order_date), '%Y-%m-%d'), strftime(max(order_date), '%Y-%m-%d') FROM orders_ok`,
  );
  const [first, last] = reader.getRowsJS()[0] ?? [];
  return typeof first === 'string' && typeof last === 'string' ? { first, last } : null;
}

/** Validates one shard's rows (`parts`, written by partitionExportFile) into Parquet under `outDir`. */
export async function validateShardRows(
  options: IngestOptions,
  files: readonly ExportFileName[],
  parts: Readonly<Record<Dataset, readonly string[]>>,
  outDir: string,
): Promise<ValidatedShard> {
  const { db, conn } = await openDuckDb({ ...options, workDir: join(outDir, 'duckdb') });
  const rules: RowRuleSettings = {
    currency: options.currency ?? DEFAULT_ROW_RULES.currency,
    customerIds: options.customerIds ?? DEFAULT_ROW_RULES.customerIds,
    segmentDimensions: options.segmentDimensions ?? DEFAULT_ROW_RULES.segmentDimensions,
    orderIdScope: 'customer',
  };
  try {
    for (const f of files) await conn.run(`INSERT INTO files VALUES (${f.fileIdx}, ${sqlString(f.name)})`);
    for (const dataset of DATASETS) {
      await assertDateFormat(options.mapping[dataset].dateFormat, (sql) =>
        conn.run(sql).then(() => undefined),
      );
      await stageParts(conn, dataset, parts[dataset]);
    }
    await validateCustomers(conn, options.mapping.customers, options.exportDate, rules);
    await validateOrders(conn, options.mapping.orders, options.exportDate, rules);
    await validateSpend(conn, options.mapping.marketing_spend, options.exportDate);
    await dropStaging(conn);
    const paths = {} as Record<Dataset, string>;
    const accepted = {} as Record<Dataset, number>;
    for (const dataset of DATASETS) {
      const table = OK_TABLES[dataset];
      paths[dataset] = join(outDir, `${dataset}.parquet`);
      accepted[dataset] = await scalarNumber(conn, `SELECT count(*) FROM ${table}`);
      await conn.run(`COPY ${table} TO ${sqlString(paths[dataset])} (FORMAT parquet)`);
    }
    const rejected = await scalarNumber(conn, 'SELECT count(*) FROM rejects');
    const rejectsPath = rejected > 0 ? join(outDir, 'rejects.parquet') : null;
    if (rejectsPath) await conn.run(`COPY rejects TO ${sqlString(rejectsPath)} (FORMAT parquet)`);
    return {
      accepted,
      rejectsPath,
      currencies: await orderCurrencies(conn),
      range: await dateRange(conn),
      paths,
    };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
