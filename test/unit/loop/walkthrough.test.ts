import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { LOOP_STEPS, progressContextKey } from '../../../src/loop/walkthroughProgress';

interface WalkthroughStep {
  id: string;
  description: string;
  media: { markdown?: string };
  completionEvents?: string[];
}

const ROOT = path.resolve(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { commands: { command: string }[]; walkthroughs: { id: string; steps: WalkthroughStep[] }[] };
};
const [walkthrough] = manifest.contributes.walkthroughs;
const commands = new Set(manifest.contributes.commands.map((c) => c.command));

describe('the first-run walkthrough in package.json (unit)', () => {
  it('goes round the loop in six steps, each completed by an event', () => {
    assert.deepEqual(
      walkthrough.steps.map((s) => s.id),
      ['config', 'pipeline', 'board', 'release', 'deploy', 'errors'],
    );
    for (const step of walkthrough.steps) assert.ok((step.completionEvents ?? []).length > 0, `${step.id} has completion events`);
  });

  it('completes steps only on context keys Conveyor sets, one step each, and on commands it contributes', () => {
    const events = walkthrough.steps.flatMap((s) => s.completionEvents ?? []);
    const contextKeys = events.filter((e) => e.startsWith('onContext:')).map((e) => e.slice('onContext:'.length));
    assert.deepEqual(contextKeys, LOOP_STEPS.map(progressContextKey));
    for (const event of events.filter((e) => e.startsWith('onCommand:'))) assert.ok(commands.has(event.slice('onCommand:'.length)), event);
    assert.deepEqual(
      events.filter((e) => !/^on(Context|Command):/.test(e)),
      [],
    );
  });

  it('links only commands it contributes, and ships small markdown media for every step', () => {
    for (const step of walkthrough.steps) {
      const links = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]);
      assert.ok(links.length > 0, `${step.id} has a button`);
      for (const command of links) assert.ok(commands.has(command), `${step.id}: ${command} is contributed`);
      const media = path.join(ROOT, step.media.markdown ?? '');
      assert.match(step.media.markdown ?? '', /^media\/walkthrough\/[\w-]+\.md$/);
      assert.ok(existsSync(media) && statSync(media).size < 2048, `${media} exists and is small`);
    }
    assert.match(readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8'), /^!media\/\*\*$/m, 'media/ is packaged');
  });
});
