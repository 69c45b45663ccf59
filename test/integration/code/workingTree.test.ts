// readWorkingTree on real git: a branch that tracks an upstream it is ahead of and behind (the status asked for
// leaves out the ahead/behind counts, which a git without --no-ahead-behind would refuse to run at all).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { readWorkingTree } from '../../../src/code/workingTree';
import { sampleWorkspaces } from '../../support/sampleWorkspace';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd, encoding: 'utf8' }).trim();

describe('the working tree a run builds, on real git (integration)', () => {
  const workspace = sampleWorkspaces();

  it('reads the commit, branch and changes of a clone that is ahead of and behind its upstream', async () => {
    const upstream = workspace({ 'README.md': 'one\n' }, { git: true });
    const clone = path.join(path.dirname(upstream.dir), 'clone');
    git(path.dirname(upstream.dir), 'clone', '-q', upstream.dir, clone);
    upstream.write('README.md', 'two\n');
    git(upstream.dir, 'commit', '-qam', 'upstream moves on');
    git(clone, 'fetch', '-q');
    git(clone, 'commit', '-q', '--allow-empty', '-m', 'local work');
    const branch = git(clone, 'rev-parse', '--abbrev-ref', 'HEAD');
    assert.equal(git(clone, 'rev-list', '--left-right', '--count', `HEAD...origin/${branch}`), '1\t1', 'one commit ahead, one behind');

    assert.deepEqual(await readWorkingTree(clone), { commit: git(clone, 'rev-parse', 'HEAD'), branch, changes: [], dirty: false });
  });
});
