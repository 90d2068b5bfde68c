import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', 'web/.tsbuild/**', '**/node_modules/**', 'build/**', '**/.work/**', 'test/fixtures/*/build/**', 'packages-examples/*/build/**', '**/*.cjs', '**/*.js', '**/*.mjs', 'vitest.config.ts', 'packages-examples/*/image/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // Errors of hearthd, the runtime and the pack tool carry a stable code and a hint (HearthError, STYLE.md 3), never a bare Error.
  {
    files: ['host/src/**/*.ts', 'container-runtime/src/**/*.ts', 'sdk/src/pack/**/*.ts'],
    ignores: ['**/*.test.ts', '**/fake-*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...['ThrowStatement > NewExpression', "CallExpression[callee.object.name='Promise'][callee.property.name='reject'] > NewExpression"].map((parent) => ({
          selector: `${parent}[callee.name=/^(Error|TypeError|RangeError|SyntaxError)$/]`,
          message: 'throw a HearthError(code, message, { hint }) from @hearth/sdk: a bare Error reaches the user as INTERNAL with no hint',
        })),
      ],
    },
  },
  // Layering (ARCHITECTURE.md): sdk depends on nothing of ours; host and container-runtime only on sdk.
  ...[
    ['sdk/**', ['@hearth/host', '@hearth/container-runtime']],
    ['host/**', ['@hearth/container-runtime']],
    ['container-runtime/**', ['@hearth/host']],
    ['packages-examples/**', ['@hearth/host', '@hearth/container-runtime']],
  ].map(([files, banned]) => ({
    files: [files],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: banned.map((name) => ({ group: [name, `${name}/*`], message: `${files.split('/')[0]} must not import ${name}` })) },
      ],
    },
  })),
);
