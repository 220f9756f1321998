/** Types of the ingest stage: export files in, validated rows and rejects out. */

export const DATASETS = ['orders', 'customers', 'marketing_spend'] as const;
export type Dataset = (typeof DATASETS)[number];

/** One export file, already on local disk (streamed from S3 to /tmp in Lambda). */
export interface LocalExportFile {
  readonly dataset: Dataset;
  /** Name used in rejects and the run record: the S3 key (or the path relative to the export folder). */
  readonly name: string;
  readonly localPath: string;
  readonly bytes: number;
  /** Hex SHA-256 of the file as stored. */
  readonly sha256: string;
}

/**
 * A row (or a whole file, row 0) that broke the export contract. `row` is the 1-based data row:
 * the first row after a CSV header is row 1; for JSON Lines it is the line number; for Parquet the
 * row index + 1.
 */
export interface RejectedRow {
  readonly file: string;
  readonly row: number;
  /** Contract field name (after column mapping), or null for a row-level or file-level problem. */
  readonly field: string | null;
  /** Short machine-stable reason code, e.g. `not_a_number`, `missing_value`, `bad_date`. */
  readonly reason: string;
  /** Human explanation, naming what was expected. */
  readonly message: string;
  /** The offending raw value, truncated to 200 characters; null when not applicable. */
  readonly value: string | null;
}

/** Row counts of one dataset. */
export interface DatasetCounts {
  readonly files: number;
  readonly rowsRead: number;
  readonly rowsAccepted: number;
  readonly rowsRejected: number;
}

export interface IngestReport {
  readonly datasets: Readonly<Record<Dataset, DatasetCounts>>;
  /** Every reject, in file then row order. */
  readonly rejects: readonly RejectedRow[];
  /** Duplicate order ids (same order_id seen again); the first occurrence is kept. Also in rejects. */
  readonly duplicateOrders: number;
  /**
   * Files that could not be read at all (truncated gzip, corrupt Parquet…), each with an
   * `unreadable_file` reject at row 0. Their row count is unknown, so the run must not publish.
   */
  readonly unreadableFiles: readonly string[];
}
