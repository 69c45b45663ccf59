// The first-run walkthrough in the Welcome page: its steps, and a step that completes from real state
// (a pipeline run that finished) after the user presses the step's own button.
import * as assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { useVsixHost } from '../harness/vsixHost';
import { openWorkbench, runCommand, screenshot, statusBarItem } from '../harness/workbench';
import { sampleWorkspace } from '../../support/sampleWorkspace';
import type { SampleWorkspace } from '../../support/sampleWorkspace';

const WALKTHROUGH = 'conveyor-dev.conveyor#firstLoop';
const STEP_TITLES = [
  'Open or create conveyor.yml',
  'Run the pipeline',
  'Create a work item and start work on it',
  'Create a release',
  'Deploy to the local cluster',
  'See an error at its line',
];

function step(page: Page, id: string): Locator {
  return page.locator(`.getting-started-step[data-step-id="${WALKTHROUGH}#${id}"]`);
}

/** Read from the step's checkbox, whose codicon the workbench swaps when the step completes. */
async function checkbox(page: Page, id: string): Promise<'checked' | 'unchecked'> {
  const [checked, unchecked] = await Promise.all(
    ['checked', 'unchecked'].map((state) => step(page, id).locator(`.codicon-getting-started-step-${state}`).count()),
  );
  assert.equal(checked + unchecked, 1, `${id} has one checkbox`);
  return checked ? 'checked' : 'unchecked';
}

describe('the first-run walkthrough in the Welcome page (e2e)', () => {
  let ws: SampleWorkspace;
  before(() => {
    ws = sampleWorkspace(
      {
        'conveyor.yml': ['version: 1', 'pipeline:', '  security: false', '  stages:', '    - name: check', '      run: "true"', ''].join(
          '\n',
        ),
      },
      { git: true, name: 'first-loop' },
    );
  });
  after(() => ws?.remove());
  const host = useVsixHost();

  it('lists the six steps of the loop, and Run the pipeline completes once a run has finished', async () => {
    const page = await host.browser.freshPage();
    await openWorkbench(page, host.server.url({ folder: ws.dir }));
    await statusBarItem(page, 'conveyor-dev.conveyor.conveyor.pipeline').filter({ hasText: 'check' }).waitFor({ timeout: 60_000 });

    await runCommand(page, 'Welcome: Open Walkthrough...');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Round the loop with Conveyor' }).click();
    await step(page, 'errors').waitFor({ timeout: 30_000 });
    const titles = await page.locator(`.getting-started-step[data-step-id^="${WALKTHROUGH}#"] .step-title`).allInnerTexts();
    assert.deepEqual(
      titles.map((t) => t.trim()),
      STEP_TITLES,
    );
    assert.equal(await checkbox(page, 'pipeline'), 'unchecked', 'no run has finished yet');

    await step(page, 'pipeline').click();
    await step(page, 'pipeline').getByRole('button', { name: 'Run Pipeline' }).click();
    await step(page, 'pipeline').locator('.codicon-getting-started-step-checked').waitFor({ timeout: 60_000 });
    assert.match(await statusBarItem(page, 'conveyor-dev.conveyor.conveyor.pipeline').innerText(), /check/);
    // Only the step whose state changed: nothing was released, deployed or reported.
    assert.equal(await checkbox(page, 'pipeline'), 'checked');
    for (const id of ['board', 'release', 'deploy', 'errors']) assert.equal(await checkbox(page, id), 'unchecked', `${id} is not complete`);
    await screenshot(page, 'walkthrough-pipeline-done');
  });
});
