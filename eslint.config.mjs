import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const vscodeImportBan = {
  paths: [{ name: 'vscode', message: 'Only ui/ folders and src/extension.ts may import vscode: keep core and stage logic testable in plain Node.' }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'test/fixtures/**', 'node_modules/**', '*.vsix', 'test-results/**', 'eslint.config.mjs', 'esbuild.mjs', 'demo/**', 'scripts/build/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      'no-restricted-imports': ['error', vscodeImportBan],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/**/ui/**/*.ts', 'src/extension.ts', 'test/e2e/suite/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['scripts/**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { process: 'readonly', console: 'readonly' } },
  },
);
