import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isInside, resolveInsideFolder } from '../../../src/core/fsUtil';
import { parseConfig, parseConfigInFolder } from '../../../src/core/config/parseConfig';

// Paths in conveyor.yml could point outside the folder: a create overwrote ../outside/notes.txt and
// ../../../../etc/passwd showed as an existing board (hardening, issue 20 item 3).
describe('paths stay inside the folder (unit, hardening)', () => {
  let parent: string;
  let folder: string;
  beforeEach(() => {
    parent = mkdtempSync(path.join(os.tmpdir(), 'conveyor-paths-'));
    folder = path.join(parent, 'workspace');
    mkdirSync(path.join(folder, 'k8s'), { recursive: true });
    mkdirSync(path.join(parent, 'outside'));
    symlinkSync(path.join(parent, 'outside'), path.join(folder, 'out'));
    symlinkSync(path.join(parent, 'nowhere'), path.join(folder, 'dangling'));
  });
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  it('tells inside from outside by the text of the paths', () => {
    assert.equal(isInside('/ws/a', '/ws/a'), true);
    assert.equal(isInside('/ws/a', '/ws/a/b/../c'), true);
    assert.equal(isInside('/ws/a', '/ws/a/..b'), true, 'a name that starts with two dots is inside');
    assert.equal(isInside('/ws/a', '/ws/ab'), false);
    assert.equal(isInside('/ws/a', '/ws'), false);
    assert.equal(isInside('/ws/a', '/etc/passwd'), false);
  });

  it('resolves a path inside the folder, existing or not, and refuses one that leaves it by "..", an absolute path or a symlink', async () => {
    assert.equal(await resolveInsideFolder(folder, 'k8s'), path.join(folder, 'k8s'));
    assert.equal(await resolveInsideFolder(folder, '.conveyor/board.yml'), path.join(folder, '.conveyor/board.yml'));
    assert.equal(await resolveInsideFolder(folder, path.join(folder, 'k8s')), path.join(folder, 'k8s'));
    for (const outside of ['../outside/notes.txt', '../../../../etc/passwd', '/etc/passwd', 'out/notes.txt', 'out', 'dangling/x.yml']) {
      assert.equal(await resolveInsideFolder(folder, outside), undefined, outside);
    }
  });

  it('reports every path of conveyor.yml that leaves the folder at its line, and drops only those values', async () => {
    const text = [
      'board: { provider: local, file: ../outside/notes.txt }',
      'pipeline:',
      '  stages:',
      '    - { name: test, run: npm test, cwd: out, junit: reports/junit.xml }',
      'image: { name: shop, dockerfile: /etc/passwd, context: . }',
      'environments:',
      '  staging: { manifests: k8s }',
      '  production: { kustomize: out/overlays }',
      '',
    ].join('\n');
    const parsed = await parseConfigInFolder(text, folder);
    assert.deepEqual(
      parsed.problems.map((p) => [p.range.start.line + 1, p.range.start.character + 1, p.message.split(';')[0]]),
      [
        [1, 33, 'board.file points outside this folder ("../outside/notes.txt")'],
        [4, 41, 'pipeline.stages[0].cwd points outside this folder ("out", through a symbolic link)'],
        [5, 34, 'image.dockerfile points outside this folder ("/etc/passwd")'],
        [8, 28, 'environments.production.kustomize points outside this folder ("out/overlays", through a symbolic link)'],
      ],
    );
    assert.deepEqual(parsed.config.board, { provider: 'local' });
    assert.deepEqual(parsed.config.pipeline?.stages, [{ name: 'test', run: 'npm test', junit: 'reports/junit.xml' }]);
    assert.deepEqual(parsed.config.image, { name: 'shop', context: '.' });
    assert.deepEqual(parsed.config.environments, { staging: { manifests: 'k8s' }, production: {} });
    assert.deepEqual(parseConfig(text).problems, [], 'without a folder, only the text is checked');
  });
});
