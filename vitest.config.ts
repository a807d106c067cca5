import { defineConfig } from 'vitest/config';

// Each package owns its test project; `npm test` runs them all (scripts/run-tests.mjs).
export default defineConfig({
  test: {
    projects: ['packages/*/vitest*.config.ts'],
  },
});
