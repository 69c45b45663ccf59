import * as assert from 'node:assert/strict';
import { childInstallEnv } from '../../../scripts/setup/installEnv';

describe('the environment of a child npm install started from an npm script (unit)', () => {
  const outer = {
    PATH: '/usr/bin',
    HOME: '/root',
    npm_config_user_agent: 'npm/10.8.2 node/v20.19.0 linux x64 workspaces/false',
    npm_config_local_prefix: '/work/main',
    npm_lifecycle_event: 'test:e2e',
    npm_package_name: 'conveyor',
    npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
    INIT_CWD: '/work/main',
    NODE: '/usr/bin/node',
    npm_config_registry: 'https://registry.example.invalid/',
    NPM_CONFIG_HTTPS_PROXY: 'http://proxy.invalid:3128',
  };

  it('drops what the outer npm run exported, so code-server reads the Node it runs on, not the outer one', () => {
    const env = childInstallEnv({}, outer);
    for (const name of [
      'npm_config_user_agent',
      'npm_config_local_prefix',
      'npm_lifecycle_event',
      'npm_package_name',
      'npm_execpath',
      'INIT_CWD',
      'NODE',
    ]) {
      assert.equal(env[name], undefined, name);
    }
    assert.deepEqual([env.PATH, env.HOME], ['/usr/bin', '/root']);
  });

  it('keeps the registry and proxy a user exported, and adds what the caller sets', () => {
    const env = childInstallEnv({ npm_config_nodedir: '/cache/node24', PATH: '/cache/node24/bin:/usr/bin' }, outer);
    assert.equal(env.npm_config_registry, 'https://registry.example.invalid/');
    assert.equal(env.NPM_CONFIG_HTTPS_PROXY, 'http://proxy.invalid:3128');
    assert.deepEqual([env.npm_config_nodedir, env.PATH], ['/cache/node24', '/cache/node24/bin:/usr/bin']);
  });
});
