// ESLint flat config: typescript-eslint's recommended rules, with Prettier owning the formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** The feature rooms of src/: each its own folder, its face the index.ts. */
const ROOMS = [
  'access',
  'accounts',
  'app',
  'auth',
  'cache',
  'capture',
  'cli',
  'cors',
  'endpoints',
  'error-handler',
  'goto',
  'hooks',
  'log',
  'redis-stores',
  'reflect',
  'sessions',
  'static',
  'templates',
  'testing',
  'tokens',
];

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The rooms of src/ (docs/architecture.md): one feature each, reached
    // from outside only through its face, its index.ts.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^\\.\\./(${ROOMS.join('|')})/`,
              message:
                'Import another room through its face (its index.ts): add what you need to its exports.',
            },
          ],
        },
      ],
    },
  },
  {
    // The shared pieces the rooms lean on never lean on a room.
    files: ['src/http/**/*.ts', 'src/shared/**/*.ts', 'src/redis/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^\\.\\./(${ROOMS.join('|')})(/|$)`,
              message:
                'src/http, src/shared and src/redis serve every room and import none: move the piece here, or the caller into the room.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // Scripts for the browser: the capture dashboard's page, the proofs of concept.
    files: ['src/capture/page/**/*.js', 'examples/pocs/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        document: 'readonly',
        location: 'readonly',
        fetch: 'readonly',
        EventSource: 'readonly',
        navigator: 'readonly',
        CSS: 'readonly',
        TextEncoder: 'readonly',
        atob: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        Image: 'readonly',
        Blob: 'readonly',
        sessionStorage: 'readonly',
        history: 'readonly',
      },
    },
  },
);
