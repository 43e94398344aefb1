import { defineProject } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The editor's component tests (`npm test` runs them through the root projects list).
// happy-dom by default; a file that talks to a real runner says `@vitest-environment node`.
export default defineProject({
  plugins: [react()],
  test: {
    name: 'editor',
    root: import.meta.dirname,
    environment: 'happy-dom',
    include: ['test/**/*.test.{ts,tsx}'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/support/global-runner.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
