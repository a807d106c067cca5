import { defineConfig } from 'vitest/config';

// Browser end-to-end tests: the built app, the real server in-process and Debian's chromium.
// One file at a time (each starts a server and a browser; the CI machine has 2 cores), and only after
// the other projects have finished (groupOrder), so unit and integration tests do not compete for CPU.
export default defineConfig({
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['e2e/support/global-setup.ts'],
    fileParallelism: false,
    sequence: { groupOrder: 1 },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
  },
});
