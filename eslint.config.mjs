import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '.tmp/**',
      '**/.serverless/**',
      '**/.serverless-local/**',
      '.local/**',
      '**/.esbuild/**',
      '**/coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      // Logs go through the shared Powertools logger so they stay structured JSON.
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: [
      'scripts/**',
      'bench/**',
      '**/bench/**',
      '**/scripts/**',
      'test-support/**',
      '**/tests/**',
      'integration-tests/**',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    // Plain CommonJS (the local runner's worker bootstrap loads esbuild's CJS bundles).
    files: ['local/**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
