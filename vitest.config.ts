import { defineConfig } from 'vitest/config';

/** Unit tests live next to the code; they start no container, no hearthd, and mount nothing shared. */
const UNIT = ['{sdk,host,container-runtime}/src/**/*.test.ts'];

export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT,
          // Two at once on a 2-core machine: vitest's default (cores - 1) would be one. Run first, alone.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{test,container-runtime/test}/**/*.test.ts'],
          // Integration tests start real containers and mount real filesystems: one file at a time,
          // after the unit tests, so nothing else competes with their timeouts.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
