// Finds the stages of a workspace folder that has no conveyor.yml, in the order a belt should run them.
import * as path from 'node:path';
import { shellWord } from '../core/shellQuote';
import { exists, readTextIfExists } from '../core/fsUtil';
import type { StageDefinition } from './stageDefinition';

const SCRIPT_ORDER = ['lint', 'format:check', 'typecheck', 'type-check', 'check-types', 'compile', 'build', 'test'];
const MAKE_ORDER = ['lint', 'vet', 'check', 'build', 'test'];
const NPM_PLACEHOLDER_TEST = /no test specified/;

export async function detectStages(folder: string): Promise<StageDefinition[]> {
  const stages: StageDefinition[] = [];
  const add = (found: StageDefinition[]) => {
    for (const stage of found) if (!stages.some((s) => s.name === stage.name)) stages.push(stage);
  };
  add(await fromPackageJson(folder));
  add(await fromMakefile(folder));
  add(await fromGoModule(folder));
  add(await fromCargo(folder));
  add(await fromMaven(folder));
  add(await fromGradle(folder));
  add(await fromPython(folder));
  add(await fromRuby(folder));
  return stages;
}

/** package.json scripts: lint, type checks, build, test, then test:* in file order. */
export function stagesFromPackageJson(packageJsonText: string, runner: string): StageDefinition[] {
  let scripts: Record<string, unknown>;
  try {
    scripts = (JSON.parse(packageJsonText) as { scripts?: Record<string, unknown> }).scripts ?? {};
  } catch {
    return [];
  }
  const usable = Object.keys(scripts).filter((name) => typeof scripts[name] === 'string' && !NPM_PLACEHOLDER_TEST.test(scripts[name]));
  const ordered = [...SCRIPT_ORDER.filter((name) => usable.includes(name)), ...usable.filter((name) => name.startsWith('test:'))];
  return ordered.map((name) => ({
    name,
    // The name comes from the repository: quoted, so it is the script's name and never shell code.
    run: `${runner} run ${shellWord(name)}`,
    problemMatcher: guessProblemMatcher(String(scripts[name])),
    source: 'package.json',
  }));
}

function guessProblemMatcher(script: string): StageDefinition['problemMatcher'] {
  if (/\beslint\b/.test(script)) return 'eslint';
  if (/\btsc\b/.test(script)) return 'tsc';
  return 'generic';
}

async function fromPackageJson(folder: string): Promise<StageDefinition[]> {
  const text = await readTextIfExists(path.join(folder, 'package.json'));
  if (text === undefined) return [];
  const runner = (await exists(path.join(folder, 'pnpm-lock.yaml')))
    ? 'pnpm'
    : (await exists(path.join(folder, 'yarn.lock')))
      ? 'yarn'
      : 'npm';
  return stagesFromPackageJson(text, runner);
}

/** Targets of a Makefile that a pipeline would run (lint, vet, check, build, test), in that order. */
export function makeTargets(makefileText: string): string[] {
  const targets = new Set<string>();
  for (const line of makefileText.split('\n')) {
    const match = /^([A-Za-z0-9_-]+)\s*:(?!=)/.exec(line);
    if (match) targets.add(match[1]);
  }
  return MAKE_ORDER.filter((t) => targets.has(t));
}

async function fromMakefile(folder: string): Promise<StageDefinition[]> {
  for (const name of ['GNUmakefile', 'Makefile', 'makefile']) {
    const text = await readTextIfExists(path.join(folder, name));
    if (text !== undefined) {
      return makeTargets(text).map((target) => ({ name: target, run: `make ${target}`, problemMatcher: 'generic', source: name }));
    }
  }
  return [];
}

async function fromGoModule(folder: string): Promise<StageDefinition[]> {
  if (!(await exists(path.join(folder, 'go.mod')))) return [];
  return [
    { name: 'vet', run: 'go vet ./...', problemMatcher: 'generic', source: 'go.mod' },
    { name: 'build', run: 'go build ./...', problemMatcher: 'generic', source: 'go.mod' },
    { name: 'test', run: 'go test ./...', problemMatcher: 'generic', source: 'go.mod' },
  ];
}

/** Cargo: build and test, as Rust's starter CI does; clippy (warnings fail it) when clippy is configured. */
async function fromCargo(folder: string): Promise<StageDefinition[]> {
  if (!(await exists(path.join(folder, 'Cargo.toml')))) return [];
  const clippy = (await exists(path.join(folder, 'clippy.toml'))) || (await exists(path.join(folder, '.clippy.toml')));
  return [
    ...(clippy ? [{ name: 'lint', run: 'cargo clippy -- -D warnings', problemMatcher: 'generic' as const, source: 'clippy.toml' }] : []),
    { name: 'build', run: 'cargo build', problemMatcher: 'generic', source: 'Cargo.toml' },
    { name: 'test', run: 'cargo test', problemMatcher: 'generic', source: 'Cargo.toml' },
  ];
}

const SUREFIRE_REPORTS = '**/target/surefire-reports/TEST-*.xml';
// `test`, and on Android one folder per variant (`testDebugUnitTest`).
const GRADLE_TEST_REPORTS = '**/build/test-results/*/TEST-*.xml';

/** Maven: compile, then test, in batch mode; through the project's wrapper when it has one. */
async function fromMaven(folder: string): Promise<StageDefinition[]> {
  if (!(await exists(path.join(folder, 'pom.xml')))) return [];
  const mvn = (await exists(path.join(folder, 'mvnw'))) ? './mvnw' : 'mvn';
  return [
    { name: 'build', run: `${mvn} -B compile`, problemMatcher: 'generic', source: 'pom.xml' },
    // Surefire's reports, a file per test class and one folder per module, show the tests in the Testing view.
    { name: 'test', run: `${mvn} -B test`, problemMatcher: 'generic', junit: SUREFIRE_REPORTS, source: 'pom.xml' },
  ];
}

/** Gradle: assemble, then test; through the project's wrapper when it has one. */
async function fromGradle(folder: string): Promise<StageDefinition[]> {
  const files = ['build.gradle', 'build.gradle.kts', 'settings.gradle', 'settings.gradle.kts'];
  const found = (await Promise.all(files.map((f) => exists(path.join(folder, f))))).findIndex(Boolean);
  if (found === -1) return [];
  const gradle = (await exists(path.join(folder, 'gradlew'))) ? './gradlew' : 'gradle';
  return [
    { name: 'build', run: `${gradle} assemble`, problemMatcher: 'generic', source: files[found] },
    { name: 'test', run: `${gradle} test`, problemMatcher: 'generic', junit: GRADLE_TEST_REPORTS, source: files[found] },
  ];
}

/**
 * Ruby: RuboCop when configured, then RSpec (`.rspec`) or the Rakefile's test task (minitest's Rake::TestTask);
 * through Bundler when there is a Gemfile.
 */
async function fromRuby(folder: string): Promise<StageDefinition[]> {
  const rakefile = (await readTextIfExists(path.join(folder, 'Rakefile'))) ?? '';
  const rspec = await exists(path.join(folder, '.rspec'));
  const rubocop = await exists(path.join(folder, '.rubocop.yml'));
  const rakeTest = /Rake::TestTask|^\s*task\s*(?:\(\s*)?:?["']?test\b/m.test(rakefile);
  if (!rspec && !rubocop && !rakeTest) return [];
  const bundle = (await exists(path.join(folder, 'Gemfile'))) ? 'bundle exec ' : '';
  const stages: StageDefinition[] = [];
  if (rubocop) stages.push({ name: 'lint', run: `${bundle}rubocop`, problemMatcher: 'generic', source: '.rubocop.yml' });
  if (rspec) stages.push({ name: 'test', run: `${bundle}rspec`, problemMatcher: 'generic', source: '.rspec' });
  else if (rakeTest) stages.push({ name: 'test', run: `${bundle}rake test`, problemMatcher: 'generic', source: 'Rakefile' });
  return stages;
}

async function fromPython(folder: string): Promise<StageDefinition[]> {
  const pyproject = (await readTextIfExists(path.join(folder, 'pyproject.toml'))) ?? '';
  const hasPytestConfig = /\[tool\.pytest/.test(pyproject) || (await exists(path.join(folder, 'pytest.ini')));
  const stages: StageDefinition[] = [];
  if (/\[tool\.ruff/.test(pyproject))
    stages.push({ name: 'lint', run: 'ruff check .', problemMatcher: 'generic', source: 'pyproject.toml' });
  if (hasPytestConfig || (pyproject && (await exists(path.join(folder, 'tests'))))) {
    stages.push({
      name: 'test',
      run: 'python3 -m pytest',
      problemMatcher: 'generic',
      source: hasPytestConfig ? 'pytest configuration' : 'pyproject.toml',
    });
  }
  return stages;
}
