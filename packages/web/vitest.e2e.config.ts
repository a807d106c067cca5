import { defineConfig } from 'vitest/config';
import { scaled, TIME_SCALE } from '../server/test/support/deadlines.ts';

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
    // Deadlines scale with the machine's load (server/test/support/deadlines.ts), the same in every worker.
    env: { CACHIBOT_TEST_TIME_SCALE: String(TIME_SCALE) },
    testTimeout: scaled(60_000),
    hookTimeout: scaled(60_000),
    teardownTimeout: scaled(30_000),
    expect: { poll: { timeout: scaled(5_000) } },
  },
});
