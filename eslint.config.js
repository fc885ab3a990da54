import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The engine talks to Discord, the model, the clock and the database only through its ports. */
const engineForbiddenImports = [
  'discord.js',
  '@discordjs/*',
  'openai',
  'openai/*',
  'node-cron',
  'drizzle-orm',
  'drizzle-orm/*',
  'postgres',
  '@electric-sql/pglite',
  '@electric-sql/pglite/*',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'migrations/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['src/agents/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: engineForbiddenImports, message: 'src/agents is the engine: reach the outside world through its ports.' },
            { group: ['**/db/**', '**/discord/**', '**/llm/**', '**/commands/**', '**/scheduler/**'], message: 'src/agents must not import the adapters.' },
          ],
        },
      ],
    },
  },
  {
    // The playground's page: plain modules run by the browser.
    files: ['src/playground/web/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // `npm start`'s launcher: plain JavaScript run by Node.
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'src/doctor.ts', 'src/**/cli.ts', 'scripts/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
