import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Which stage builds on which: a stage (everything under src/<stage>/, its ui/ included) imports src/core/ and
 * the stages listed here, nothing else. Add an edge only when the stage really builds on the other one;
 * a helper both need goes down to src/core/ instead. src/loop/ (above the stages) may import every stage,
 * src/core/ imports none, src/cli/ and src/ui/ sit above everything.
 */
const STAGE_EDGES = {
  code: [], // git: branches, commits, the working tree; the floor the other stages stand on
  plan: ['code'], // Start Work creates the item's branch; items list their commits
  pipeline: ['code'], // a run records the commit and the state of the working tree it ran on
  ci: ['code'], // the remote CI of the folder's origin
  release: ['code', 'pipeline'], // a release tags a commit, and only one the pipeline marked ready
  deploy: ['release'], // an environment runs a release (its tag and image digest)
  monitor: [],
  crashReporter: [], // not a stage (Conveyor's own crash reports), held to the same rules
};

const STAGES = Object.keys(STAGE_EDGES);
/** An import that climbs out of the importing folder into the top-level folder `names` (src/<name>/…). */
const into = (names) => `^(\\.\\./)+(${names.join('|')})(/|$)`;

const vscodeImportBan = {
  paths: [
    {
      name: 'vscode',
      message: 'Only ui/ folders and src/extension.ts may import vscode: keep core and stage logic testable in plain Node.',
    },
  ],
};

const NO_UI = {
  regex: '(^|/)ui(/|$)',
  caseSensitive: true,
  message:
    "Engine code never imports ui/ code (its stage's, another's or src/ui/): the CLI and the loop run it without VS Code. Move the type or helper to the engine side.",
};
const NO_LOOP = {
  regex: into(['loop']),
  caseSensitive: true,
  message:
    'Stages never import src/loop/: it sits above them and calls their engines. Take what you need as a parameter (a narrow type), or move it down to the stage or src/core/.',
};
const NO_CLI = { regex: into(['cli']), caseSensitive: true, message: 'src/cli/ is the top of the CLI: nothing imports it.' };

function stageBoundaries(stage, { ui }) {
  const forbidden = STAGES.filter((other) => other !== stage && !STAGE_EDGES[stage].includes(other));
  const allowed = ['core', ...STAGE_EDGES[stage]].join(', ');
  const patterns = [
    {
      regex: into(forbidden),
      caseSensitive: true,
      message: `${stage} imports only ${allowed} (STAGE_EDGES in eslint.config.mjs). Move code both stages need down to src/core/, or declare the edge if ${stage} really builds on that stage.`,
    },
    NO_CLI,
  ];
  if (ui) {
    // Views are handed the folder model (FolderStatus) by the app shell and read their stage's part of it.
    patterns.push(
      { ...NO_LOOP, regex: `^(\\.\\./)+loop/(?!folderStatus$)` },
      {
        ...NO_LOOP,
        regex: `^(\\.\\./)+loop/folderStatus$`,
        allowTypeImports: true,
        message:
          "A stage's ui/ may import only the FolderStatus type from src/loop/folderStatus; ask the WorkspaceModel (src/ui/) for a folder's status.",
      },
    );
  } else {
    patterns.push(NO_UI, NO_LOOP);
  }
  return ui
    ? { files: [`src/${stage}/ui/**/*.ts`], rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] } }
    : {
        files: [`src/${stage}/**/*.ts`],
        ignores: [`src/${stage}/ui/**`],
        rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
      };
}

const boundaries = [
  ...STAGES.flatMap((stage) => [stageBoundaries(stage, { ui: false }), stageBoundaries(stage, { ui: true })]),
  {
    files: ['src/core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: into([...STAGES, 'loop', 'cli', 'ui']),
              caseSensitive: true,
              message: 'src/core/ is the floor: it imports no stage, no loop, no UI. Pass what it needs in.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/loop/**/*.ts'],
    ignores: ['src/loop/ui/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [NO_UI, NO_CLI] }] },
  },
  { files: ['src/loop/ui/**/*.ts'], rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [NO_CLI] }] } },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ ...NO_UI, message: 'The CLI runs in plain Node: no ui/ code (it imports vscode).' }] },
      ],
    },
  },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'out/**',
      'test/fixtures/**',
      'node_modules/**',
      '*.vsix',
      'test-results/**',
      'eslint.config.mjs',
      'esbuild.mjs',
      'demo/**',
      'scripts/build/*.cjs',
      'src/**/*.generated.ts',
    ],
  },
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
  ...boundaries,
  {
    files: ['scripts/**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { process: 'readonly', console: 'readonly' } },
  },
);
