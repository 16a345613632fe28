import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One ephemeral org for the whole run, started before any test file (Jest: the same
    // code works as `globalSetup` / `globalTeardown`, passing the org through process.env).
    globalSetup: ['./global-setup.mjs'],
    // Tests share the org and reset it: one file at a time, in order.
    fileParallelism: false,
    sequence: { concurrent: false },
    // Test workers start after the global setup, so they inherit NODE_EXTRA_CA_CERTS.
    pool: 'forks',
  },
});
