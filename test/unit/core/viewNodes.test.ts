import * as assert from 'node:assert/strict';
import type { FolderStatus } from '../../../src/loop/folderStatus';
import { pipelineNodes } from '../../../src/pipeline/ui/pipelineNodes';
import { boardNodes } from '../../../src/plan/ui/boardNodes';
import { refreshBoardState } from '../../../src/plan/hostedBoardState';
import type { RemoteBoardState } from '../../../src/plan/hostedBoardState';
import { environmentNodes } from '../../../src/deploy/ui/deployNodes';
import { pipelineIndicator } from '../../../src/pipeline/pipelineIndicator';
import { folderStatus } from '../../support/folderStatusFixture';

const twoStages: FolderStatus['pipeline'] = {
  source: 'detected',
  security: true,
  stages: [
    { name: 'lint', run: 'npm run lint', source: 'package.json' },
    { name: 'test', run: 'npm test', source: 'package.json' },
  ],
};

describe('view rows (unit)', () => {
  it('shows no pipeline rows (so the welcome text shows) when no stage exists', () => {
    assert.deepEqual(pipelineNodes(folderStatus()), []);
  });

  it('lists stages in belt order, the built-in security stage before the tests, each not run yet', () => {
    const rows = pipelineNodes(folderStatus({ pipeline: twoStages }));
    assert.deepEqual(
      rows.map((r) => r.label),
      ['lint', 'security', 'test'],
    );
    assert.equal(rows[0].icon, 'circle-large-outline');
    assert.equal(rows[0].file, '/ws/shop/package.json');
    assert.match(rows[0].tooltip ?? '', /Not run yet/);
  });

  it('groups local board items by status with counts', () => {
    const board: FolderStatus['board'] = {
      provider: 'local',
      file: '.conveyor/board.yml',
      exists: true,
      items: [
        { key: 'CNV-1', title: 'One', status: 'todo' },
        { key: 'CNV-2', title: 'Two', status: 'done' },
        { key: 'CNV-3', title: 'Three', status: 'todo', assignee: 'ana' },
      ],
    };
    const rows = boardNodes(folderStatus({ board }));
    assert.deepEqual(
      rows.map((r) => `${r.label} ${r.description}`),
      ['To do 2', 'In progress 0', 'In review 0', 'Done 1'],
    );
    assert.deepEqual(
      rows[0].children?.map((c) => c.label),
      ['CNV-1 One', 'CNV-3 Three'],
    );
    assert.equal(rows[0].children?.[1]?.description, 'ana');
  });

  it('explains an unreadable board file instead of showing an empty board', () => {
    const board: FolderStatus['board'] = {
      provider: 'local',
      file: '.conveyor/board.yml',
      exists: true,
      items: [],
      error: { message: 'Missing closing quote', line: 3 },
    };
    const [row] = boardNodes(folderStatus({ board }));
    assert.equal(row.icon, 'error');
    assert.match(row.description ?? '', /line 3: Missing closing quote/);
    assert.deepEqual(row.command?.arguments, ['/ws/shop', 3]);
  });

  it('says above the columns that a hosted board stopped at its cap, and a refresh that lists it whole takes that back', async () => {
    const board: FolderStatus['board'] = { provider: 'github', file: '.conveyor/board.yml', exists: false, items: [] };
    const item = { provider: 'github' as const, id: '1', key: '#1', title: 'One', column: 'todo' as const, status: 'open', labels: [] };
    const remote: RemoteBoardState = { items: [], loading: false };
    await refreshBoardState(remote, (onShortened) => {
      onShortened('acme/shop has more than 1000 open issues: the board shows the 1000 updated last.');
      return Promise.resolve([item]);
    });
    const rows = boardNodes(folderStatus({ board }), { query: { groupBy: 'status', mine: false }, remote });
    assert.deepEqual(
      rows.map((r) => [r.label, r.icon]),
      [
        ['acme/shop has more than 1000 open issues: the board shows the 1000 updated last.', 'info'],
        ['To do', 'circle-large-outline'],
        ['In progress', rows[2].icon],
        ['In review', rows[3].icon],
        ['Done', rows[4].icon],
      ],
    );
    await refreshBoardState(remote, () => Promise.resolve([item]));
    assert.equal(remote.shortened, undefined);
    assert.equal(boardNodes(folderStatus({ board }), { query: { groupBy: 'status', mine: false }, remote })[0].label, 'To do');
  });

  it('nests the manifests an environment applies under it', () => {
    const deploy: FolderStatus['deploy'] = {
      environments: [
        { name: 'production', namespace: 'web', manifests: 'k8s', confirm: true, autoRollback: false, source: 'conveyor.yml' },
      ],
      manifests: [
        { file: 'k8s/app.yaml', kind: 'Deployment', name: 'web' },
        { file: 'other/x.yaml', kind: 'Service', name: 'x' },
      ],
    };
    const [env] = environmentNodes(folderStatus({ deploy }));
    assert.equal(env.icon, 'lock');
    assert.match(env.description ?? '', /current context \/ web · asks before deploying/);
    assert.deepEqual(
      env.children?.map((c) => c.label),
      ['Manifests'],
    );
    assert.deepEqual(
      env.children?.[0].children?.map((c) => c.label),
      ['Deployment/web'],
    );
  });

  it('builds the status-bar indicator from the stages, marking Restricted Mode and multi-root', () => {
    const indicator = pipelineIndicator(folderStatus({ pipeline: twoStages }), true, false);
    assert.equal(indicator.text, '$(circle-large-outline) lint $(circle-large-outline) security $(circle-large-outline) test');
    assert.equal(indicator.hasStages, true);
    const restricted = pipelineIndicator(folderStatus({ pipeline: twoStages }), false, true);
    assert.ok(restricted.text.startsWith('$(shield) shop: '));
    assert.match(restricted.tooltip, /Restricted Mode/);
    assert.equal(pipelineIndicator(folderStatus(), true, false).text, '$(circle-slash) no pipeline');
    assert.equal(pipelineIndicator(undefined, true, false).hasStages, false);
  });
});
