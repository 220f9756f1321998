import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { esmBundling, PROJECT_ROOT } from './esm-bundling.js';

/** Native packages the bundle loads at run time from `node_modules` beside `index.mjs`. */
export const RUNTIME_PACKAGES = [
  '@duckdb/node-api',
  '@duckdb/node-bindings',
  '@duckdb/node-bindings-linux-x64',
  'detect-libc',
];

/** Bundling of the stage handlers: DuckDB stays outside the bundle, copied beside it. */
export const STAGE_BUNDLING: nodejs.BundlingOptions = esmBundling({
  sourceMap: true,
  sourcesContent: false,
  externalModules: ['@duckdb/*'],
});

/** esbuild's command-line flags for the options `esmBundling` sets (as NodejsFunction renders them). */
export function esbuildArgs(
  entry: string,
  outfile: string,
  options: nodejs.BundlingOptions,
  target: string,
): string[] {
  return [
    entry,
    '--bundle',
    `--target=${target}`,
    '--platform=node',
    ...(options.format ? [`--format=${options.format}`] : []),
    `--outfile=${outfile}`,
    ...(options.minify ? ['--minify'] : []),
    ...(options.sourceMap ? ['--sourcemap'] : []),
    ...(options.sourcesContent === false ? ['--sources-content=false'] : []),
    ...(options.externalModules ?? []).map((m) => `--external:${m}`),
    ...(options.banner ? [`--banner:js=${options.banner}`] : []),
    ...(options.mainFields ? [`--main-fields=${options.mainFields.join(',')}`] : []),
    '--log-level=warning',
  ];
}

/**
 * The code of every stage function: ONE asset, bundled once with the local esbuild (a NodejsFunction per
 * stage would bundle, and upload, ten copies with ten DuckDB binaries). Each function picks its stage
 * with its handler (`index.plan`, `index.partition`, ...). DuckDB's native packages are copied, not
 * installed: the lock file only holds this platform's optional packages.
 */
export function stageCode(entry: string): lambda.AssetCode {
  return lambda.Code.fromAsset(PROJECT_ROOT, {
    // Hash what was built, not the project folder (node_modules included) it was built from.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: local bundling either succeeds or throws (Docker is not needed, see docs/deploy.md).
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
      local: {
        tryBundle(outputDir: string): boolean {
          const esbuild = join(PROJECT_ROOT, 'node_modules', '.bin', 'esbuild');
          if (!existsSync(esbuild)) throw new Error(`${esbuild} not found: run npm ci before cdk synth`);
          const outfile = join(outputDir, 'index.mjs');
          execFileSync(esbuild, esbuildArgs(entry, outfile, STAGE_BUNDLING, 'node24'), {
            cwd: PROJECT_ROOT,
            stdio: ['ignore', 'inherit', 'inherit'],
          });
          mkdirSync(join(outputDir, 'node_modules', '@duckdb'), { recursive: true });
          for (const pkg of RUNTIME_PACKAGES) {
            const installed = join(PROJECT_ROOT, 'node_modules', pkg);
            // npm installs the linux-x64 binary only on Linux x64 (docs/deploy.md, Prerequisites).
            if (!existsSync(installed)) throw new Error(`${installed} not found: synthesize on Linux x86_64`);
            // dereference: the same as `cp -RL`, so a linked package is copied as files.
            cpSync(installed, join(outputDir, 'node_modules', pkg), {
              recursive: true,
              dereference: true,
            });
          }
          return true;
        },
      },
    },
  });
}
