import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';
import { scaled, TIME_SCALE } from '../server/test/support/deadlines.ts';

export default defineConfig({
  plugins: [react()],
  test: {
    name: 'web',
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
    // Deadlines scale with the machine's load (server/test/support/deadlines.ts), the same in every worker.
    env: { CACHIBOT_TEST_TIME_SCALE: String(TIME_SCALE) },
    testTimeout: scaled(10_000),
    hookTimeout: scaled(10_000),
    expect: { poll: { timeout: scaled(5_000) } },
  },
});
