// ESLint 9 flat config. typescript-eslint's `recommended` set, plus a few type-aware rules that catch
// promise mistakes. The whole `recommendedTypeChecked` set is left out: most of what it adds flags reads
// of `any` values, nearly all JSON and supertest bodies in tests. Formatting is Prettier's:
// eslint-config-prettier, last, turns off every rule that would disagree with it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/',
      '**/dist/',
      'coverage/',
      '.ci/out/',
      'studies/',
      'var/',
      'rejected/',
      'outbox/',
      '.scratch/',
      '.tmp-*/',
      '**/*.generated.*',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      // DICOM character checks (PS3.5 §6.1) and log sanitising match control characters on purpose.
      'no-control-regex': 'off',
      // A `let` read by a callback before its one assignment (a socket guard registered first) stays a let.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `_name` marks a parameter kept for its position (express's 4-argument error handler) or a key
      // left out of a rest copy.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      // A caught `unknown` passed on unchanged is fine, as only-throw-error allows by default.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
    },
  },
  prettier,
);
