import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

describe('the generated conveyor.yml validator', () => {
  it('is the schema as it is now (run `node esbuild.mjs` after editing schemas/conveyor.schema.json)', async () => {
    const generator = await import('../../../scripts/build/configValidator.mjs');
    assert.equal(readFileSync(generator.VALIDATOR_FILE, 'utf8'), generator.configValidatorSource());
  });
});
