import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

describe('the generated conveyor.yml validator', () => {
  it('is the schema as it is now (run `node esbuild.mjs` after editing schemas/conveyor.schema.json)', async () => {
    const generator = await import('../../../scripts/build/configValidator.mjs');
    // Not assert.equal: a diff of two 110 KB lines says nothing more than this message.
    assert.ok(
      readFileSync(generator.VALIDATOR_FILE, 'utf8') === generator.configValidatorSource(),
      'src/core/config/conveyorSchemaValidator.generated.ts is stale: run `node esbuild.mjs`',
    );
  });
});
