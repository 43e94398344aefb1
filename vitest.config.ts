import { defineConfig } from 'vitest/config';

// `npm test`: every package's tests in Node, plus the editor's component tests (happy-dom).
// Browser tests live in test/e2e with their own config (`npm run test:e2e`).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['packages/*/test/**/*.test.ts', 'apps/runner/test/**/*.test.ts', 'test/integration/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      'apps/editor/vitest.config.ts',
    ],
  },
});
