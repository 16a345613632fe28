import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One ephemeral org for the whole run, started before any test file.
    globalSetup: ['./global-setup.mjs'],
    // Child processes, started after the global setup: they inherit NODE_EXTRA_CA_CERTS.
    // (Worker threads would not: they share the CA list Vitest's own process started with.)
    pool: 'forks',
    // The tests share one org and reset it before each test: one file at a time.
    fileParallelism: false,
  },
});
