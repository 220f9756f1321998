import { fileURLToPath } from 'node:url';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/** The project folder: functions' entries, the lock file and node_modules live under it. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Bundling both functions share: one minified ESM file with the AWS SDK inside (its version is the lock
 * file's, not the runtime's), and a `require` for the CommonJS dependencies bundled into it.
 */
export function esmBundling(extra: Partial<nodejs.BundlingOptions> = {}): nodejs.BundlingOptions {
  return {
    format: nodejs.OutputFormat.ESM,
    mainFields: ['module', 'main'],
    minify: true,
    externalModules: [],
    // Bundled CommonJS dependencies call require(); ESM output has none without this.
    banner:
      "import { createRequire as __clvCreateRequire } from 'node:module'; const require = __clvCreateRequire(import.meta.url);",
    ...extra,
  };
}
