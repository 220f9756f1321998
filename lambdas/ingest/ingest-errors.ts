/** Base class of every error the ingest stage throws; `cause` carries the underlying DuckDB error. */
export class IngestError extends Error {
  override readonly name: string = 'IngestError';
}

/** An export file whose name ends in no supported extension (.csv, .jsonl, .ndjson, .parquet, ± .gz). */
export class UnsupportedFormatError extends IngestError {
  override readonly name = 'UnsupportedFormatError';
}

/**
 * DuckDB failed on a CSV or JSON Lines file whose bytes passed the file checks (gzip whole, UTF-8).
 * Broken files are not thrown: they are `unreadable_file` rejects listed in `IngestReport.unreadableFiles`.
 */
export class ExportFileError extends IngestError {
  override readonly name = 'ExportFileError';
}

/** The column mapping cannot be applied (e.g. a `dateFormat` DuckDB rejects). */
export class MappingError extends IngestError {
  override readonly name = 'MappingError';
}

/** The ingest was used out of order: queried before `load`, loaded twice, or used after `close`. */
export class IngestStateError extends IngestError {
  override readonly name = 'IngestStateError';
}
