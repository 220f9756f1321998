import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clv-local-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Runs `npm start -- <args>` the way the README does (tsx bin/local.ts), with its data in a temp folder. */
async function npmStart(args: string[]): Promise<{ stdout: string; code: number }> {
  try {
    const { stdout } = await run('node_modules/.bin/tsx', ['bin/local.ts', ...args], {
      env: { ...process.env, CLV_LOCAL_DIR: join(dir, 'state') },
      timeout: 110_000,
    });
    return { stdout, code: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: `${failed.stdout ?? ''}${failed.stderr ?? ''}`, code: failed.code ?? 1 };
  }
}

describe('npm start on a user folder laid out like the bucket', () => {
  it('runs the newest date, writes the run record to --json and prints the summary', async () => {
    // Prepare: two export dates; the newer one has a customer more.
    const exportsDir = join(dir, 'exports');
    const orders = (rows: string[]): string =>
      ['order_id,customer_id,order_date,revenue', ...rows].join('\n');
    await mkdir(join(exportsDir, '2026-05-31', 'orders'), { recursive: true });
    await mkdir(join(exportsDir, '2026-06-30', 'orders'), { recursive: true });
    await writeFile(
      join(exportsDir, '2026-05-31', 'orders', 'o.csv'),
      orders(['1,a,2026-01-02,10', '2,b,2026-02-02,5']),
    );
    await writeFile(
      join(exportsDir, '2026-06-30', 'orders', 'o.csv'),
      orders(['1,a,2026-01-02,10', '2,b,2026-02-02,5', '3,c,2026-06-01,7.5']),
    );
    const json = join(dir, 'run.json');
    // Act
    const { stdout, code } = await npmStart(['--exports', exportsDir, '--json', json, '--quiet']);
    // Assess
    expect(code, stdout).toBe(0);
    const record = JSON.parse(await readFile(json, 'utf8'));
    expect(record).toMatchObject({
      status: 'published',
      exportDate: '2026-06-30',
      asOf: '2026-06-30',
      customers: 3,
    });
    expect(record.business.netRevenue).toBeCloseTo(22.5, 9);
    expect(record.inputs).toHaveLength(1);
    expect(record.segments.acquisition_channel).toHaveLength(1);
    expect(stdout).toContain('Whole business: 3 customers, net revenue 22.50');
    // Nobody bought twice: no predictive fit, the run says so and still publishes
    expect(record.degraded?.stage).toBe('predict');
    expect(record.predictive?.status).toBe('failed');
    expect(stdout).toContain('DEGRADED at predict: no predictions this run: ModelFitError');
  });

  it('exits non-zero with the reason when the folder has no orders', async () => {
    // Prepare
    const empty = join(dir, 'empty');
    await mkdir(join(empty, 'customers'), { recursive: true });
    await writeFile(join(empty, 'customers', 'c.csv'), 'customer_id\nx\n');
    // Act
    const { stdout, code } = await npmStart(['--exports', empty, '--export-date', '2026-06-30', '--quiet']);
    // Assess
    expect(code).not.toBe(0);
    expect(stdout).toContain('FAILED at locate: Export 2026-06-30 has no files under orders/');
  });
});

describe('npm start serving the query API', () => {
  it('prints an example request that works when pasted, and stops cleanly on SIGTERM', async () => {
    // Prepare: the embedded default (sample data) on a free port
    const child = spawn('node_modules/.bin/tsx', ['bin/local.ts', '--quiet', '--port', '0'], {
      env: { ...process.env, CLV_LOCAL_DIR: join(dir, 'serve-state') },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 100_000;
    while (!stdout.includes('Ctrl+C stops') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 200));
    }

    // Act: "paste" the first printed curl command
    const curl = /curl -H 'x-api-key: ([^']+)' '([^']+)'/.exec(stdout);
    const response = curl
      ? await fetch(curl[2] as string, { headers: { 'x-api-key': curl[1] as string } })
      : null;
    const body = response
      ? ((await response.json()) as { items: Array<{ acquisitionChannel: string }> })
      : null;
    const withoutKey = curl ? await fetch(curl[2] as string) : null;
    child.kill('SIGTERM');
    const code = await exited;

    // Assess
    expect(curl, stdout).not.toBeNull();
    expect(stdout).toMatch(/Query API serving on http:\/\/127\.0\.0\.1:\d+/);
    // The sample's generator parameters beside the fitted ones (sample-model.ts: r 0.55, α 90, a 0.9, b 3.5)
    expect(stdout).toContain('(sample data: true → fitted)');
    expect(stdout).toMatch(
      /BG\/NBD +r 0\.5500 → [\d.]+ +alpha 90\.00 → [\d.]+ +a 0\.9000 → [\d.]+ +b 3\.500 → /,
    );
    expect(stdout).toMatch(/Backtest: fitted up to \d{4}-\d{2}-\d{2}, predicted the next \d+ days/);
    expect(response?.status).toBe(200);
    expect(body?.items).toHaveLength(5);
    const segment = new URL(curl?.[2] ?? 'http://x').searchParams.get('segment') ?? '';
    expect(body?.items.every((c) => `acquisition_channel:${c.acquisitionChannel}` === segment)).toBe(true);
    expect(withoutKey?.status).toBe(403);
    expect(code).toBe(0);
  });

  it('says there is nothing to do on the unchanged data the first start left behind', async () => {
    // Act: same state folder as the previous test, so the bucket already holds the sample
    const { stdout, code } = await run('node_modules/.bin/tsx', ['bin/local.ts', '--quiet', '--no-serve'], {
      env: { ...process.env, CLV_LOCAL_DIR: join(dir, 'serve-state') },
      timeout: 110_000,
    }).then(
      (r) => ({ stdout: r.stdout, code: 0 }),
      (e: { stdout?: string; stderr?: string; code?: number }) => ({
        stdout: `${e.stdout}${e.stderr}`,
        code: e.code ?? 1,
      }),
    );

    // Assess
    expect(code, stdout).toBe(0);
    expect(stdout).not.toContain('Generated sample exports');
    // The export is unchanged since the first start: nothing to do, and the current run is shown
    expect(stdout).toMatch(/Nothing to do: export 2026-11-24 already published as 2026-11-24T\w+/);
    expect(stdout).toMatch(/status published/);
    expect(stdout).not.toContain('Query API serving');
  });
});
