// Jest runs the TypeScript sources directly; `mixnmatch` resolves to src/ as it does for tsc.
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  moduleNameMapper: {
    '^mixnmatch$': '<rootDir>/src/index.ts',
  },
};

export default config;
