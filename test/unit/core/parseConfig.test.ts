import * as assert from 'node:assert/strict';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { formatProblem } from '../../../src/core/config/configProblem';

/** 1-based "line:column" of each problem, the way the user sees it in Problems. */
function where(text: string): string[] {
  return parseConfig(text).problems.map((p) => `${p.range.start.line + 1}:${p.range.start.character + 1}`);
}

describe('parseConfig (unit)', () => {
  it('accepts a complete, valid configuration unchanged', () => {
    const text = [
      'version: 1',
      'board: { provider: local, file: .conveyor/board.yml }',
      'pipeline:',
      '  security: false',
      '  stages:',
      '    - { name: lint, run: npm run lint, problemMatcher: eslint }',
      '    - name: test',
      '      run: npm test',
      '      timeout: 10m',
      '      junit: reports/junit.xml',
      '      problemMatcher: { regexp: "^(.*):(\\\\d+): (.*)$", file: 1, line: 2, message: 3 }',
      'image: { name: shop/web, registry: 127.0.0.1:5000 }',
      'environments:',
      '  staging: { context: kind-staging, namespace: web, manifests: k8s }',
      '  production: { context: prod, namespace: web, manifests: k8s, confirm: true }',
      'sentry: { url: https://sentry.io, org: acme, project: web }',
      'uptime: [{ name: home, url: http://127.0.0.1:8080/, interval: 30, expectStatus: 200 }]',
      'goals: [{ name: speed, source: lighthouse, url: http://127.0.0.1:8080/, metric: performance, target: 90 }]',
      'ci: { github: { owner: acme, repo: web }, jenkins: { url: https://ci.acme.test, jobs: [web] } }',
    ].join('\n');
    const { config, problems } = parseConfig(text);
    assert.deepEqual(problems, []);
    assert.equal(config.pipeline?.stages?.length, 2);
    assert.equal(config.pipeline?.stages?.[1]?.timeout, '10m');
    assert.equal(config.environments?.production?.confirm, true);
    assert.equal(config.image?.name, 'shop/web');
  });

  it('treats an empty file as an empty configuration', () => {
    assert.deepEqual(parseConfig(''), { config: {}, problems: [] });
    assert.deepEqual(parseConfig('# only a comment\n'), { config: {}, problems: [] });
  });

  it('reports an unknown key at the key itself and drops only that key', () => {
    const text = 'pipeline:\n  stages:\n    - name: lint\n      run: npm run lint\n      colour: red\n';
    const { config, problems } = parseConfig(text);
    assert.deepEqual(where(text), ['5:7']);
    assert.match(problems[0].message, /Unknown key "colour" in pipeline\.stages\[0\].*Known keys: name, run/);
    assert.deepEqual(config.pipeline?.stages, [{ name: 'lint', run: 'npm run lint' }]);
  });

  it('reports a wrongly typed value at the value and falls back to the default for it', () => {
    const text = 'environments:\n  staging:\n    namespace: web\n    confirm: "yes"\n';
    const { config, problems } = parseConfig(text);
    assert.deepEqual(where(text), ['4:14']);
    assert.match(problems[0].message, /environments\.staging\.confirm must be true or false \(found "yes"\)/);
    assert.deepEqual(config.environments, { staging: { namespace: 'web' } });
    assert.deepEqual(problems[0].range.end, { line: 3, character: 18 });
  });

  it('drops a stage that misses its command and keeps the others in order', () => {
    const text = 'pipeline:\n  stages:\n    - name: lint\n      run: eslint .\n    - name: build\n    - name: test\n      run: mocha\n';
    const { config, problems } = parseConfig(text);
    assert.deepEqual(where(text), ['5:7']);
    assert.match(problems[0].message, /pipeline\.stages\[1\] is missing "run"/);
    assert.deepEqual(
      config.pipeline?.stages?.map((s) => s.name),
      ['lint', 'test'],
    );
  });

  it('reports every mistake of a file in one pass, each at its own line', () => {
    const text = [
      'board:',
      '  provider: trello', // 2
      'pipeline:',
      '  stages:',
      '    - name: lint',
      '      run: npm run lint',
      '      timeout: ten', // 7
      '      problemMatcher: 42', // 8
      'environments:',
      '  Prod: {}', // 10
      'uptime:',
      '  - name: home',
      '    url: ftp://example', // 13
      'colour: blue', // 14
    ].join('\n');
    const { config, problems } = parseConfig(text);
    assert.deepEqual(where(text).sort(), ['10:3', '13:10', '14:1', '2:13', '7:16', '8:23'].sort());
    assert.equal(problems.length, 6, problems.map((p) => p.message).join('\n'));
    assert.deepEqual(config.pipeline?.stages, [{ name: 'lint', run: 'npm run lint' }]);
    assert.deepEqual(config.board, {});
    assert.deepEqual(config.environments, {});
  });

  it('uses defaults for everything when the YAML itself is broken, and says where', () => {
    const text = 'pipeline:\n  stages:\n    - name: lint\n      run: "unterminated\n';
    const { config, problems } = parseConfig(text);
    assert.deepEqual(config, {});
    assert.ok(problems.length > 0);
    assert.equal(problems[0].severity, 'error');
    assert.equal(problems[0].range.start.line, 3);
  });

  it('reports duplicate keys', () => {
    const text = 'version: 1\nversion: 1\n';
    const { problems } = parseConfig(text);
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /unique/);
    assert.equal(problems[0].range.start.line, 1);
  });

  it('rejects a document that is not a mapping', () => {
    const { config, problems } = parseConfig('- a\n- b\n');
    assert.deepEqual(config, {});
    assert.match(problems[0].message, /conveyor\.yml must be a mapping \(found a list\)/);
  });

  it('formats problems the way compilers do (1-based)', () => {
    const [problem] = parseConfig('board:\n  provider: trello\n').problems;
    assert.equal(
      formatProblem('conveyor.yml', problem),
      'conveyor.yml:2:13: error: board.provider must be one of: local, github, linear, jira, notion (found "trello"); the default is used.',
    );
  });
});
