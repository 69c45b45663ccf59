import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectStages, makeTargets, stagesFromPackageJson } from '../../../src/pipeline/detectStages';
import { parseTimeoutSeconds } from '../../../src/pipeline/stageDefinition';
import { parseGitHubRemote, parseOriginUrl } from '../../../src/code/gitInfo';
import { imageNameFor } from '../../../src/release/imageDefinition';
import { parseLocalBoard } from '../../../src/plan/localBoard';

describe('detection parsers (unit)', () => {
  it('orders package.json scripts as a belt: lint, type check, build, test, test:*', () => {
    const pkg = JSON.stringify({
      scripts: {
        'test:e2e': 'pw',
        test: 'mocha',
        build: 'tsc -p .',
        start: 'node .',
        lint: 'eslint .',
        typecheck: 'tsc --noEmit',
        'test:unit': 'mocha unit',
      },
    });
    const stages = stagesFromPackageJson(pkg, 'npm');
    assert.deepEqual(
      stages.map((s) => s.name),
      ['lint', 'typecheck', 'build', 'test', 'test:e2e', 'test:unit'],
    );
    assert.equal(stages[0].run, 'npm run lint');
    assert.equal(stages[0].problemMatcher, 'eslint');
    assert.equal(stages[1].problemMatcher, 'tsc');
    assert.equal(stages[3].problemMatcher, 'generic');
  });

  it("ignores npm init's placeholder test script and unparsable package.json", () => {
    const pkg = JSON.stringify({ scripts: { test: 'echo "Error: no test specified" && exit 1' } });
    assert.deepEqual(stagesFromPackageJson(pkg, 'npm'), []);
    assert.deepEqual(stagesFromPackageJson('{ not json', 'npm'), []);
  });

  it('uses the package manager it is given', () => {
    assert.equal(stagesFromPackageJson(JSON.stringify({ scripts: { build: 'vite build' } }), 'pnpm')[0].run, 'pnpm run build');
  });

  it('finds pipeline targets in a Makefile and ignores variables and recipes', () => {
    const makefile =
      'CC := gcc\nall: build\nbuild: main.o\n\tcc -o app main.o\ntest: build\n\t./run-tests\nlint:\n\tclang-tidy *.c\n.PHONY: test\n';
    assert.deepEqual(makeTargets(makefile), ['lint', 'build', 'test']);
  });

  it('detects Cargo, Maven, Gradle and Ruby projects as their starter CI runs them, through wrappers and Bundler when present', async () => {
    const detect = async (files: Record<string, string>) => {
      const folder = mkdtempSync(path.join(os.tmpdir(), 'conveyor-detect-'));
      try {
        for (const [name, text] of Object.entries(files)) writeFileSync(path.join(folder, name), text);
        return (await detectStages(folder)).map((s) => `${s.name}: ${s.run} (${s.source})${s.junit ? ` junit ${s.junit}` : ''}`);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    };
    assert.deepEqual(await detect({ 'Cargo.toml': '[package]\nname = "demo"\n' }), [
      'build: cargo build (Cargo.toml)',
      'test: cargo test (Cargo.toml)',
    ]);
    assert.deepEqual(await detect({ 'Cargo.toml': '[workspace]\n', 'clippy.toml': '' }), [
      'lint: cargo clippy -- -D warnings (clippy.toml)',
      'build: cargo build (Cargo.toml)',
      'test: cargo test (Cargo.toml)',
    ]);
    assert.deepEqual(await detect({ 'pom.xml': '<project/>', mvnw: '#!/bin/sh\n' }), [
      'build: ./mvnw -B compile (pom.xml)',
      'test: ./mvnw -B test (pom.xml) junit **/target/surefire-reports/TEST-*.xml',
    ]);
    assert.deepEqual(await detect({ 'pom.xml': '<project/>' }), [
      'build: mvn -B compile (pom.xml)',
      'test: mvn -B test (pom.xml) junit **/target/surefire-reports/TEST-*.xml',
    ]);
    assert.deepEqual(await detect({ 'settings.gradle.kts': '', gradlew: '#!/bin/sh\n' }), [
      'build: ./gradlew assemble (settings.gradle.kts)',
      'test: ./gradlew test (settings.gradle.kts) junit **/build/test-results/*/TEST-*.xml',
    ]);
    assert.deepEqual(
      await detect({ Gemfile: "source 'https://rubygems.org'\n", '.rspec': '--require spec_helper\n', '.rubocop.yml': '' }),
      ['lint: bundle exec rubocop (.rubocop.yml)', 'test: bundle exec rspec (.rspec)'],
    );
    assert.deepEqual(await detect({ Rakefile: "require 'rake/testtask'\nRake::TestTask.new do |t|\nend\n" }), [
      'test: rake test (Rakefile)',
    ]);
    assert.deepEqual(await detect({ Rakefile: 'task :test do\n  sh "ruby test/all.rb"\nend\n' }), ['test: rake test (Rakefile)']);
    assert.deepEqual(await detect({ Rakefile: 'task :release do\nend\n', Gemfile: '' }), []);
  });

  it('parses stage timeouts in seconds', () => {
    assert.equal(parseTimeoutSeconds(90), 90);
    assert.equal(parseTimeoutSeconds('90s'), 90);
    assert.equal(parseTimeoutSeconds('10m'), 600);
    assert.equal(parseTimeoutSeconds('1h'), 3600);
    assert.equal(parseTimeoutSeconds('500ms'), 0.5);
    assert.equal(parseTimeoutSeconds('soon'), undefined);
    assert.equal(parseTimeoutSeconds(undefined), undefined);
  });

  it('reads the origin remote and recognises GitHub in https and ssh form', () => {
    const config =
      '[core]\n\tbare = false\n[remote "upstream"]\n\turl = https://example.test/x.git\n[remote "origin"]\n\turl = git@github.com:acme/shop.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n';
    assert.equal(parseOriginUrl(config), 'git@github.com:acme/shop.git');
    assert.deepEqual(parseGitHubRemote('git@github.com:acme/shop.git'), { owner: 'acme', repo: 'shop' });
    assert.deepEqual(parseGitHubRemote('https://github.com/acme/shop'), { owner: 'acme', repo: 'shop' });
    assert.equal(parseGitHubRemote('https://gitlab.com/acme/shop.git'), undefined);
    assert.equal(parseOriginUrl('[core]\n'), undefined);
  });

  it('derives a valid image name from a folder name', () => {
    assert.equal(imageNameFor('/tmp/My App_2'), 'my-app_2');
    assert.equal(imageNameFor('/tmp/--'), 'app');
  });

  it('reads local board items and reports the line of a syntax error', () => {
    const ok = parseLocalBoard(
      'items:\n  - key: CNV-1\n    title: First\n    status: in-progress\n  - key: CNV-2\n    title: Second\n    status: someday\n  - title: no key\n',
    );
    assert.deepEqual(
      ok.items.map((i) => [i.key, i.status]),
      [
        ['CNV-1', 'in-progress'],
        ['CNV-2', 'todo'],
      ],
    );
    const broken = parseLocalBoard('items:\n  - key: CNV-1\n    title: "open\n');
    assert.deepEqual(broken.items, []);
    assert.equal(broken.error?.line, 3);
  });
});
