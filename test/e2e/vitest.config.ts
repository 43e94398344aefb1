import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: the built editor in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core) against a real runner per test file.
export default defineConfig({
  test: {
    name: 'e2e',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    environment: 'node',
    globalSetup: ['./support/global-setup.ts'],
    testTimeout: 60_000,
    // the page, the runner and Chromium share a small, busy machine: wait for the UI, not a clock
    expect: { poll: { timeout: 15_000, interval: 100 } },
    hookTimeout: 120_000,
    // one Chromium at a time: the machine is small and shared
    fileParallelism: false,
  },
});
