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
