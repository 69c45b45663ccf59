import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeFolder } from '../../../src/loop/folderStatus';
import { parseConfig } from '../../../src/core/config/parseConfig';
import { parseLocalBoard } from '../../../src/plan/localBoard';

// YAML alias bombs and undefined aliases aborted `status` and `pipeline run` with "Excessive alias count…"
// and no file or line (hardening, issue 20 item 8). They are a problem at the alias's line instead.
const BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'pipeline: { stages: *c }',
  '',
].join('\n');

describe('YAML aliases in conveyor.yml and the board file (unit, hardening)', () => {
  it('reports an alias bomb in conveyor.yml at the first alias, with defaults for the rest', () => {
    const parsed = parseConfig(BOMB);
    assert.deepEqual(parsed.config, {});
    assert.equal(parsed.problems.length, 1);
    assert.match(parsed.problems[0].message, /expand to too much data/);
    assert.equal(parsed.problems[0].range.start.line + 1, 2);
  });

  it('reports an alias to no anchor in conveyor.yml at its line', () => {
    const parsed = parseConfig(['version: 1', 'pipeline:', '  stages: *nowhere', ''].join('\n'));
    assert.ok(parsed.problems.length >= 1, 'a problem');
    assert.equal(parsed.problems[0].range.start.line + 1, 3);
  });

  it('reports an alias bomb in the board file at its line instead of throwing', () => {
    const parsed = parseLocalBoard(BOMB.replace('pipeline: { stages: *c }', 'items: *c'));
    assert.deepEqual(parsed.items, []);
    assert.match(parsed.error?.message ?? '', /expand to too much data/);
    assert.equal(parsed.error?.line, 2);
  });
});

describe('paths in conveyor.yml (unit, hardening)', () => {
  // A NUL byte in a path field aborted `status` (issue 20 item 9): a problem at its line, the default used.
  it('reports a NUL character in board.file, manifests or kustomize at its line, and drops that value', () => {
    const parsed = parseConfig(
      [
        'board: { provider: local, file: "board\\u0000.yml" }',
        'environments:',
        '  staging: { context: kind, namespace: web, manifests: "k8s\\u0000" }',
        '  production: { context: prod, namespace: web, kustomize: "overlays/\\u0000prod" }',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      parsed.problems.map((p) => [p.range.start.line + 1, p.message]),
      [
        [1, 'board.file is a path and cannot contain a NUL character; the default is used.'],
        [3, 'environments.staging.manifests is a path and cannot contain a NUL character; the default is used.'],
        [4, 'environments.production.kustomize is a path and cannot contain a NUL character; the default is used.'],
      ],
    );
    assert.equal(parsed.config.board?.file, undefined);
  });

  it('describes a folder whose conveyor.yml has a NUL in a path instead of aborting (what `conveyor status` prints)', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'conveyor-nul-'));
    try {
      const status = await describeFolder(folder, 'board: { provider: local, file: "a\\u0000b.yml" }\n');
      assert.match(status.config.problems.map((p) => p.message).join('\n'), /cannot contain a NUL character/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
