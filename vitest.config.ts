import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/helpers/temp-root.ts'],
    // Models retire on fixed days (docs/models.md): the suite judges them as of one day, so that it passes next
    // month as it does today. Tests of the retirement rules themselves pass their own dates.
    env: { BATCHWISE_TODAY: '2026-11-23' },
  },
});
