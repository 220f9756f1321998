#!/usr/bin/env node
// Checks the bundled Lambda assets in a synthesized cloud assembly:
//   node test/infra/bundle-check.mjs [cdk.out]
// Run after `npx cdk synth --quiet`. For each function below (the nightly job: the one carrying CLV_SETTINGS;
// the Query API: POWERTOOLS_SERVICE_NAME=clv-api) it copies the asset to a temporary directory (so nothing
// resolves from this project's node_modules) and imports the handler module there with the template's
// environment, without invoking it. The job's copy must also open an in-memory DuckDB from the bundled
// packages; the API's must be a single self-contained bundle. Exits 1 with the reason on any failure.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Loads the handler module and checks its export; __ENTRY__ and __NAME__ (a JSON string) are filled in. */
const HANDLER_PROBE = `
import { pathToFileURL } from 'node:url';
const dir = process.cwd();
const entry = dir + '/__ENTRY__';
const mod = await import(pathToFileURL(entry).href);
const handler = mod[__NAME__] ?? mod.default?.[__NAME__];
if (typeof handler !== 'function') throw new Error('__ENTRY__ exports no function ' + __NAME__ + ' (got ' + typeof handler + ')');
`;

const FUNCTIONS = [
  {
    label: 'nightly job',
    matches: (env) => env.CLV_SETTINGS !== undefined,
    requiredFiles: [
      'node_modules/@duckdb/node-api/package.json',
      'node_modules/@duckdb/node-bindings/package.json',
      'node_modules/@duckdb/node-bindings-linux-x64/duckdb.node',
    ],
    forbiddenFiles: [],
    probe: `${HANDLER_PROBE}
import { createRequire } from 'node:module';
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
`,
  },
  {
    label: 'Query API',
    matches: (env) => env.POWERTOOLS_SERVICE_NAME === 'clv-api',
    requiredFiles: [],
    // Pure JS: everything is in index.mjs, so nothing may need a node_modules folder beside it.
    forbiddenFiles: ['node_modules'],
    probe: `${HANDLER_PROBE}
console.log('handler: ' + typeof handler);
`,
  },
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
function assetPathOf(assemblyDir, fn) {
  const fromMetadata = fn.resource.Metadata?.['aws:asset:path'];
  if (fromMetadata) return fromMetadata;
  const key = fn.resource.Properties?.Code?.S3Key;
  if (typeof key !== 'string' || !fn.assetsFile) return undefined;
  const files = JSON.parse(readFileSync(join(assemblyDir, fn.assetsFile), 'utf8')).files ?? {};
  return files[key.replace(/\.zip$/, '')]?.source?.path;
}

/** The function matching `spec` in any stack template of the assembly. */
function findFunction(assemblyDir, manifest, spec) {
  for (const [name, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const template = JSON.parse(readFileSync(join(assemblyDir, artifact.properties.templateFile), 'utf8'));
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const env = resource.Properties?.Environment?.Variables;
      if (resource.Type === 'AWS::Lambda::Function' && env && spec.matches(env)) {
        return { stack: name, logicalId, resource, env, assetsFile: assetManifestOf(manifest, name) };
      }
    }
  }
  return fail(`no AWS::Lambda::Function of the ${spec.label} in ${assemblyDir}`);
}

/** Copies the function's asset outside the project and runs the spec's probe there; fails with the reason. */
function checkFunction(assemblyDir, manifest, spec) {
  const fn = findFunction(assemblyDir, manifest, spec);
  const name = `${spec.label} (${fn.stack}/${fn.logicalId})`;
  const assetPath = assetPathOf(assemblyDir, fn);
  if (!assetPath) fail(`cannot tell which asset holds the code of the ${name}`);
  const assetDir = join(assemblyDir, assetPath);
  if (!existsSync(assetDir)) fail(`asset directory ${assetDir} missing (was bundling skipped?)`);
  const entry = ['index.mjs', 'index.js'].find((f) => existsSync(join(assetDir, f)));
  if (!entry) fail(`${assetDir} has neither index.mjs nor index.js`);
  const [handlerFile, handlerName] = String(fn.resource.Properties.Handler).split('.');
  if (handlerFile !== 'index') fail(`unexpected Handler ${fn.resource.Properties.Handler} of the ${name}`);
  for (const file of spec.requiredFiles) {
    if (!existsSync(join(assetDir, file))) fail(`${file} missing from ${assetDir}`);
  }
  for (const file of spec.forbiddenFiles) {
    if (existsSync(join(assetDir, file)))
      fail(`${file} should not be in ${assetDir} (the ${name} is one bundle)`);
  }

  // Outside the project tree, so a missing copy cannot be masked by ./node_modules.
  const sandbox = mkdtempSync(join(tmpdir(), 'clv-bundle-check-'));
  const probe = spec.probe.replaceAll('__ENTRY__', entry).replaceAll('__NAME__', JSON.stringify(handlerName));
  let failure;
  try {
    cpSync(assetDir, sandbox, { recursive: true });
    // Ref/GetAtt values cannot be resolved offline; the handler only needs non-empty names at load time.
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_REGION: 'us-east-1',
      ...Object.fromEntries(
        Object.entries(fn.env).map(([k, v]) => [
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
    console.log(`bundle-check: OK: ${name} (${assetPath}/${entry}): ${out.trim()}`);
  } catch (error) {
    const detail = [error.stderr, error.stdout].filter(Boolean).join('\n').trim() || error.message;
    failure = `loading ${assetPath}/${entry} of the ${name} from a copy outside the project failed:\n${detail}`;
  } finally {
    rmSync(sandbox, { recursive: true, force: true });
  }
  if (failure) fail(failure);
}

const assemblyDir = resolve(process.argv[2] ?? 'cdk.out');
const manifestPath = join(assemblyDir, 'manifest.json');
if (!existsSync(manifestPath)) fail(`${manifestPath} not found; run \`npx cdk synth --quiet\` first`);
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
for (const spec of FUNCTIONS) checkFunction(assemblyDir, manifest, spec);
