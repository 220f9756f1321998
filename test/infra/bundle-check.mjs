#!/usr/bin/env node
// Checks the bundled Lambda assets in a synthesized cloud assembly:
//   node test/infra/bundle-check.mjs [cdk.out]
// Run after `npx cdk synth --quiet`. Two assets: the nightly stages' (every function carrying CLV_SETTINGS:
// ten functions, one asset, one handler export each) and the Query API's (POWERTOOLS_SERVICE_NAME=clv-api).
// For each it copies the asset to a temporary directory (so nothing resolves from this project's
// node_modules) and imports the handler module there with the template's environment, checking that every
// handler the template names is an exported function, without invoking any. The stages' copy must also
// open an in-memory DuckDB from the bundled packages; the API's must be a single self-contained bundle.
// Exits 1 with the reason on any failure.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Loads the handler module and checks its exports; __ENTRY__ and __NAMES__ (a JSON array) are filled in. */
const HANDLER_PROBE = `
import { pathToFileURL } from 'node:url';
const dir = process.cwd();
const entry = dir + '/__ENTRY__';
const mod = await import(pathToFileURL(entry).href);
const names = __NAMES__;
const missing = names.filter((name) => typeof (mod[name] ?? mod.default?.[name]) !== 'function');
if (missing.length > 0) throw new Error('__ENTRY__ exports no function ' + missing.join(', '));
`;

const ASSETS = [
  {
    label: 'nightly stages',
    matches: (env) => env.CLV_SETTINGS !== undefined,
    // One function per stage of the state machine, all from this one asset.
    functions: 10,
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
console.log('handlers: ' + names.join(', ') + '; DuckDB from ' + resolved.slice(dir.length + 1));
`,
  },
  {
    label: 'Query API',
    matches: (env) => env.POWERTOOLS_SERVICE_NAME === 'clv-api',
    functions: 1,
    requiredFiles: [],
    // Pure JS: everything is in index.mjs, so nothing may need a node_modules folder beside it.
    forbiddenFiles: ['node_modules'],
    probe: `${HANDLER_PROBE}
console.log('handlers: ' + names.join(', '));
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

/** Every function matching `spec` in the stack templates of the assembly. */
function findFunctions(assemblyDir, manifest, spec) {
  const found = [];
  for (const [name, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const template = JSON.parse(readFileSync(join(assemblyDir, artifact.properties.templateFile), 'utf8'));
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const env = resource.Properties?.Environment?.Variables;
      if (resource.Type === 'AWS::Lambda::Function' && env && spec.matches(env)) {
        found.push({ stack: name, logicalId, resource, env, assetsFile: assetManifestOf(manifest, name) });
      }
    }
  }
  if (found.length !== spec.functions) {
    fail(
      `expected ${spec.functions} function(s) of the ${spec.label} in ${assemblyDir}, found ${found.length}`,
    );
  }
  return found;
}

/**
 * Copies the asset the spec's functions share outside the project and runs the spec's probe there over
 * every handler they name; fails with the reason.
 */
function checkAsset(assemblyDir, manifest, spec) {
  const fns = findFunctions(assemblyDir, manifest, spec);
  const assetPaths = [...new Set(fns.map((fn) => assetPathOf(assemblyDir, fn)))];
  const name = `${spec.label} (${fns.map((fn) => `${fn.stack}/${fn.logicalId}`).join(', ')})`;
  if (assetPaths.includes(undefined)) fail(`cannot tell which asset holds the code of the ${name}`);
  if (assetPaths.length !== 1) fail(`the ${name} should share one asset, found ${assetPaths.join(', ')}`);
  const assetPath = assetPaths[0];
  const assetDir = join(assemblyDir, assetPath);
  if (!existsSync(assetDir)) fail(`asset directory ${assetDir} missing (was bundling skipped?)`);
  const entry = ['index.mjs', 'index.js'].find((f) => existsSync(join(assetDir, f)));
  if (!entry) fail(`${assetDir} has neither index.mjs nor index.js`);
  const handlerNames = fns.map((fn) => {
    const [handlerFile, handlerName] = String(fn.resource.Properties.Handler).split('.');
    if (handlerFile !== 'index')
      fail(`unexpected Handler ${fn.resource.Properties.Handler} of ${fn.logicalId}`);
    return handlerName;
  });
  if (new Set(handlerNames).size !== handlerNames.length)
    fail(`the ${name} repeat a handler: ${handlerNames}`);
  for (const file of spec.requiredFiles) {
    if (!existsSync(join(assetDir, file))) fail(`${file} missing from ${assetDir}`);
  }
  for (const file of spec.forbiddenFiles) {
    if (existsSync(join(assetDir, file)))
      fail(`${file} should not be in ${assetDir} (the ${spec.label} is one bundle)`);
  }

  // Outside the project tree, so a missing copy cannot be masked by ./node_modules.
  const sandbox = mkdtempSync(join(tmpdir(), 'clv-bundle-check-'));
  const probe = spec.probe
    .replaceAll('__ENTRY__', entry)
    .replaceAll('__NAMES__', JSON.stringify(handlerNames));
  let failure;
  try {
    cpSync(assetDir, sandbox, { recursive: true });
    // Ref/GetAtt values cannot be resolved offline; the handler only needs non-empty names at load time.
    // The functions of one asset differ in their handler only, so the first one's environment stands for all.
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_REGION: 'us-east-1',
      ...Object.fromEntries(
        Object.entries(fns[0].env).map(([k, v]) => [
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
    console.log(
      `bundle-check: OK: ${spec.label}, ${fns.length} function(s), ${assetPath}/${entry}: ${out.trim()}`,
    );
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
for (const spec of ASSETS) checkAsset(assemblyDir, manifest, spec);
