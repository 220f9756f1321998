/** Base class of every error the ingest stage throws; `cause` carries the underlying DuckDB error. */
export class IngestError extends Error {
  override readonly name: string = 'IngestError';
}

/** An export file whose name ends in no supported extension (.csv, .jsonl, .ndjson, .parquet, ± .gz). */
export class UnsupportedFormatError extends IngestError {
  override readonly name = 'UnsupportedFormatError';
}

/** A file DuckDB could not open or decode at all (corrupt gzip or Parquet, unreadable path). */
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
