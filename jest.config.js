/**
 * Three tiers (CONVENTIONS §12): colocated unit specs, integration tests against the real services,
 * and e2e tests that drive the built apps. All run against real PostgreSQL, Redis and Mosquitto.
 */
const { readFileSync } = require('node:fs');
const swcrc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
const transform = { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false, sourceMaps: 'inline' }] };
const moduleNameMapper = {
  '^@labwire/migrations$': '<rootDir>/migrations',
  '^@labwire/(core|database|domain|queue|providers)$': '<rootDir>/libs/$1/src',
  '^@labwire/(core|database|domain|queue|providers)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const common = { transform, moduleNameMapper, testEnvironment: 'node', rootDir: __dirname };

module.exports = {
  // Three files at a time on two cores: many tests wait (lock expiry, ticks, retries), so a third
  // worker keeps both cores busy (a full run measured 465 s against about 700 s with two).
  maxWorkers: 3,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-timeout.ts'],
    },
  ],
};
