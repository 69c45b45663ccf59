import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { terraformApply, terraformPlan, terraformPlanCommand } from '../../../src/deploy/operate/terraform';
import { describePlan, parseTerraformJsonLines } from '../../../src/deploy/operate/terraformPlan';

const FIXTURE = path.join(__dirname, '..', '..', 'fixtures', 'terraform', 'plan.jsonl');

describe('operate: terraform plan (unit)', () => {
  it('reads the summary, planned changes, drift and diagnostics from a machine-readable UI stream', async () => {
    const plan = parseTerraformJsonLines(await fs.readFile(FIXTURE, 'utf8'));
    assert.equal(plan.terraformVersion, '1.9.5');
    assert.deepEqual(plan.summary, { add: 2, change: 1, remove: 2, import: 0, operation: 'plan' });
    assert.equal(describePlan(plan), 'Plan: 2 to add, 1 to change, 2 to destroy.');
    assert.deepEqual(
      plan.changes.map((c) => [c.address, c.action, c.reason]),
      [
        ['kubernetes_namespace.staging', 'create', undefined],
        ['aws_s3_bucket.logs', 'update', undefined],
        ['module.db.aws_db_instance.main', 'replace', 'cannot_update'],
        ['aws_instance.legacy[0]', 'delete', 'delete_because_no_resource_config'],
        ['data.aws_ami.ubuntu', 'read', 'read_because_config_unknown'],
      ],
    );
    assert.equal(plan.changes[2].module, 'module.db');
    assert.deepEqual(
      plan.drift.map((c) => [c.address, c.action]),
      [['aws_s3_bucket.logs', 'update']],
    );
    assert.deepEqual(plan.diagnostics, [
      {
        severity: 'warning',
        summary: 'Argument is deprecated',
        detail: 'Use the aws_s3_bucket_versioning resource instead.',
        file: 'storage.tf',
        line: 7,
      },
    ]);
  });

  it('ignores noise and refuses a UI major version it does not know', () => {
    const plan = parseTerraformJsonLines(
      'Initializing...\n{"type":"version","terraform":"9.0.0","ui":"2.0"}\n{not json\n{"type":"change_summary","changes":{"add":0,"change":0,"remove":0,"operation":"plan"}}',
    );
    assert.equal(describePlan(plan), 'No changes.');
    assert.match(plan.diagnostics[0].summary, /UI 2\.0, which Conveyor does not understand/);
  });

  it('describes the plan command as data', () => {
    assert.deepEqual(terraformPlanCommand('/infra').args, ['plan', '-input=false', '-no-color', '-json', '-lock=false']);
  });

  describe('with a folder', () => {
    let folder: string;
    beforeEach(async () => (folder = await fs.mkdtemp(path.join(os.tmpdir(), 'conveyor-tf-'))));
    afterEach(() => fs.rm(folder, { recursive: true, force: true }));

    it('finds nothing to plan in a folder without .tf files', async () => {
      assert.deepEqual(await terraformPlan(folder), { status: 'no-terraform-files' });
    });

    it('says terraform is not installed when it is not on PATH', async () => {
      await fs.writeFile(path.join(folder, 'main.tf'), 'terraform {}\n');
      const result = await terraformPlan(folder, { env: { PATH: '/nonexistent:/usr/bin:/bin' } });
      assert.equal(result.status, 'not-installed');
      assert.match(result.status === 'not-installed' ? result.message : '', /Terraform is not installed/);
      assert.equal((await terraformApply(folder, { env: { PATH: '/nonexistent' } })).ok, false);
    });
  });
});
