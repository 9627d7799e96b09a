// Jest runs the TypeScript sources directly; `mixnmatch` resolves to src/ as it does for tsc.
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // Builds dist/ first: the command's tests run the build, never a stale one.
  globalSetup: '<rootDir>/test/global-setup.ts',
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // jose is ESM only: jest (on Node 20 and 22) loads it only compiled to CommonJS.
    '^.+/node_modules/jose/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022' }, isolatedModules: true },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper: {
    '^mixnmatch$': '<rootDir>/src/index.ts',
    '^mixnmatch/testing$': '<rootDir>/src/testing/index.ts',
  },
};

// CommonJS, as the package is: Node 22+ would otherwise try (and fail) to load this file as ESM first.
module.exports = config;
