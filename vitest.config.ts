import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{sdk,host,container-runtime,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Integration tests start real containers and mount real filesystems: one file at a time.
    fileParallelism: false,
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
