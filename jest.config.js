// Tests sit beside the code they test (src/.../*.test.ts) and under test/ for cross-cutting suites.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/test/helpers/plain-output.js'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  testTimeout: 120000,
  // The Node 24 run (.ci/node24): better-sqlite3 built for that Node, outside the checkout.
  ...(process.env.MLSPEC_CI_BETTER_SQLITE3 ? { moduleNameMapper: { '^better-sqlite3$': process.env.MLSPEC_CI_BETTER_SQLITE3 } } : {}),
};
