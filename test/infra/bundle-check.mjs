#!/usr/bin/env node
// Checks the nightly job's bundled asset in a synthesized cloud assembly:
//   node test/infra/bundle-check.mjs [cdk.out]
// Run after `npx cdk synth --quiet`. It finds the function carrying CLV_SETTINGS, copies its asset to a
// temporary directory (so nothing resolves from this project's node_modules), imports the handler module
// there with the template's environment, and opens an in-memory DuckDB from the bundled packages.
// Exits 1 with the reason on any failure.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REQUIRED_FILES = [
  'node_modules/@duckdb/node-api/package.json',
  'node_modules/@duckdb/node-bindings/package.json',
  'node_modules/@duckdb/node-bindings-linux-x64/duckdb.node',
];

function fail(message) {
  console.error(`bundle-check: FAIL: ${message}`);
  process.exit(1);
}

/** The asset manifest file of a stack artifact (`<stack>.assets.json`), if any. */
function assetManifestOf(manifest, stackName) {
  const deps = manifest.artifacts[stackName].dependencies ?? [];
  const assets = deps.map((d) => manifest.artifacts[d]).find((a) => a?.type === 'cdk:asset-manifest');
  return assets?.properties?.file;
}

/** The asset directory of the function: from asset metadata, else via its S3 key in the asset manifest. */
function assetPathOf(assemblyDir, job) {
  const fromMetadata = job.resource.Metadata?.['aws:asset:path'];
  if (fromMetadata) return fromMetadata;
  const key = job.resource.Properties?.Code?.S3Key;
  if (typeof key !== 'string' || !job.assetsFile) return undefined;
  const files = JSON.parse(readFileSync(join(assemblyDir, job.assetsFile), 'utf8')).files ?? {};
  return files[key.replace(/\.zip$/, '')]?.source?.path;
}

/** The nightly job function (the one with CLV_SETTINGS) in any stack template of the assembly. */
function findNightlyJob(assemblyDir) {
  const manifestPath = join(assemblyDir, 'manifest.json');
  if (!existsSync(manifestPath)) fail(`${manifestPath} not found; run \`npx cdk synth --quiet\` first`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  for (const [name, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const template = JSON.parse(readFileSync(join(assemblyDir, artifact.properties.templateFile), 'utf8'));
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const env = resource.Properties?.Environment?.Variables;
      if (resource.Type === 'AWS::Lambda::Function' && env?.CLV_SETTINGS !== undefined) {
        return { stack: name, logicalId, resource, env, assetsFile: assetManifestOf(manifest, name) };
      }
    }
  }
  return fail(`no AWS::Lambda::Function with a CLV_SETTINGS variable in ${assemblyDir}`);
}

const assemblyDir = resolve(process.argv[2] ?? 'cdk.out');
const job = findNightlyJob(assemblyDir);
const assetPath = assetPathOf(assemblyDir, job);
if (!assetPath) fail(`cannot tell which asset holds ${job.stack}/${job.logicalId}'s code`);
const assetDir = join(assemblyDir, assetPath);
if (!existsSync(assetDir)) fail(`asset directory ${assetDir} missing (was bundling skipped?)`);
const entry = ['index.mjs', 'index.js'].find((f) => existsSync(join(assetDir, f)));
if (!entry) fail(`${assetDir} has neither index.mjs nor index.js`);
const [handlerFile, handlerName] = String(job.resource.Properties.Handler).split('.');
if (handlerFile !== 'index') fail(`unexpected Handler ${job.resource.Properties.Handler}`);
for (const file of REQUIRED_FILES) {
  if (!existsSync(join(assetDir, file))) fail(`${file} missing from ${assetDir}`);
}

// Outside the project tree, so a missing copy cannot be masked by ./node_modules.
const sandbox = mkdtempSync(join(tmpdir(), 'clv-bundle-check-'));
const probe = `
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const dir = process.cwd();
const entry = dir + '/${entry}';
const mod = await import(pathToFileURL(entry).href);
const handler = mod[${JSON.stringify(handlerName)}] ?? mod.default?.[${JSON.stringify(handlerName)}];
if (typeof handler !== 'function') throw new Error('${entry} exports no function "${handlerName}" (got ' + typeof handler + ')');
const require = createRequire(entry);
const resolved = require.resolve('@duckdb/node-api');
if (!resolved.startsWith(dir + '/node_modules/')) throw new Error('@duckdb/node-api resolved outside the bundle: ' + resolved);
const { DuckDBInstance } = require('@duckdb/node-api');
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const reader = await connection.runAndReadAll('select 6 * 7 as answer');
const answer = Number(reader.getRows()[0][0]);
if (answer !== 42) throw new Error('DuckDB answered ' + answer);
connection.closeSync?.();
console.log('handler: ' + typeof handler + '; DuckDB from ' + resolved.slice(dir.length + 1));
`;
let failure;
try {
  cpSync(assetDir, sandbox, { recursive: true });
  // Ref/GetAtt values cannot be resolved offline; the handler only needs non-empty names at load time.
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_REGION: 'us-east-1',
    NODE_OPTIONS: '--enable-source-maps',
    ...Object.fromEntries(
      Object.entries(job.env).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : `bundle-check-${k.toLowerCase()}`,
      ]),
    ),
  };
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: sandbox,
    env,
    encoding: 'utf8',
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  console.log(`bundle-check: OK: ${job.stack}/${job.logicalId} (${assetPath}/${entry}): ${out.trim()}`);
} catch (error) {
  const detail = [error.stderr, error.stdout].filter(Boolean).join('\n').trim() || error.message;
  failure = `loading ${assetPath}/${entry} from a copy outside the project failed:\n${detail}`;
} finally {
  rmSync(sandbox, { recursive: true, force: true });
}
if (failure) fail(failure);
