import { defineConfig } from 'vitest/config';
import { scaled, TIME_SCALE } from './test/support/deadlines.ts';

export default defineConfig({
  test: {
    name: 'server',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Deadlines scale with the machine's load (test/support/deadlines.ts), the same in every worker.
    env: { CACHIBOT_TEST_TIME_SCALE: String(TIME_SCALE) },
    testTimeout: scaled(30_000),
    hookTimeout: scaled(30_000),
    expect: { poll: { timeout: scaled(5_000) } },
  },
});
