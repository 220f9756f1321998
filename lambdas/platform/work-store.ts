/**
 * A run's intermediate objects in S3 (the work prefix): JSON documents and files (Parquet parts). Keys
 * are deterministic, so a retried stage overwrites what its first attempt wrote.
 */
export interface WorkStore {
  putJson(key: string, value: unknown): Promise<void>;
  /** Throws when the object is missing: a stage never reads something its predecessor did not write. */
  getJson<T>(key: string): Promise<T>;
  upload(key: string, localPath: string): Promise<void>;
  download(key: string, localPath: string): Promise<void>;
  /** Every key under `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Deletes every object under `prefix`; returns how many. */
  removePrefix(prefix: string): Promise<number>;
}
