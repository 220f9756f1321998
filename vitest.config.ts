import { defineConfig } from 'vitest/config';

// Three projects so the fast loop stays fast: `unit` never touches the network or spawns servers;
// `integration` runs against dynalite + s3rver on 127.0.0.1 and synthesizes CDK stacks; `slow` holds
// the large simulations (parameter recovery on 100k+ customers).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts', 'test/**/*.slow.test.ts', 'test/infra/**'],
        },
      },
      {
        test: {
          name: 'slow',
          include: ['test/**/*.slow.test.ts'],
          testTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts', 'test/infra/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
