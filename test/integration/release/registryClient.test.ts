import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { LocalRegistry, RegistryAccount, RegistryOptions } from '../../../scripts/docker/dockerHost';
import { readDockerCredentials } from '../../../src/release/registry/dockerConfig';
import { RegistryClient } from '../../../src/release/registry/registryClient';
import { registryError } from '../../support/registryError';
import { pushTestImage, useRegistryTestbed } from '../../support/registryImages';

const IMAGE = 'conveyor-test/shop-api:build';
const ACCOUNT: RegistryAccount = { user: 'release-bot', password: 'correct horse battery staple' };
const WRONG_PASSWORD = 'Tr0ub4dor&3';

describe('registry client against a real registry (integration)', function () {
  this.timeout(120_000);
  const testbed = useRegistryTestbed({ [IMAGE]: 'shop-api' });
  const started = (options?: RegistryOptions) => testbed.startRegistry(options);
  const push = (registry: LocalRegistry, repository: string, tag: string, account?: RegistryAccount) =>
    pushTestImage(testbed.docker(), IMAGE, registry, repository, tag, account);

  it('anonymous registry: lists tags across pages and resolves a tag to the digest the push reported', async () => {
    const registry = await started();
    const digest = await push(registry, 'shop-api', '1.4.2');
    assert.equal(await push(registry, 'shop-api', 'latest'), digest, 'same image, same manifest');
    const client = new RegistryClient(registry.host);
    await client.ping();
    assert.deepEqual((await client.tags('shop-api')).sort(), ['1.4.2', 'latest']);
    assert.deepEqual(
      (await client.tags('shop-api', { pageSize: 1 })).sort(),
      ['1.4.2', 'latest'],
      'the registry paginates with Link headers',
    );
    assert.equal(await client.manifestDigest('shop-api', '1.4.2'), digest);
    assert.equal(await client.manifestDigest('shop-api', digest), digest, 'a digest resolves to itself');
    assert.equal(await client.manifestDigest('shop-api', '0.0.1'), undefined);
    const missing = await registryError(client.tags('no-such-repo'));
    assert.equal(missing.kind, 'not-found');
  });

  it('htpasswd registry: the right password from the Docker config works, a wrong one is refused without showing it', async () => {
    const registry = await started({ htpasswd: ACCOUNT });
    const digest = await push(registry, 'team/shop-api', '2.0.0', ACCOUNT);
    const configDir = mkdtempSync(path.join(tmpdir(), 'cnv-docker-config-'));
    try {
      const configPath = path.join(configDir, 'config.json');
      const auth = Buffer.from(`${ACCOUNT.user}:${ACCOUNT.password}`).toString('base64');
      writeFileSync(configPath, JSON.stringify({ auths: { [`http://${registry.host}`]: { auth } } }));
      const credentials = await readDockerCredentials(registry.host, configPath);
      assert.deepEqual(credentials, { username: ACCOUNT.user, password: ACCOUNT.password });
      const client = new RegistryClient(registry.host, credentials);
      await client.ping();
      assert.deepEqual(await client.tags('team/shop-api'), ['2.0.0']);
      assert.equal(await client.manifestDigest('team/shop-api', '2.0.0'), digest);
    } finally {
      rmSync(configDir, { recursive: true, force: true });
    }

    const refused = await registryError(
      new RegistryClient(registry.host, { username: ACCOUNT.user, password: WRONG_PASSWORD }).tags('team/shop-api'),
    );
    assert.equal(refused.kind, 'unauthorized');
    assert.equal(
      refused.message,
      `${registry.host} refused the credentials for team/shop-api (401): check the user and password in your Docker config or sign in again`,
    );
    assert.ok(!refused.message.includes(WRONG_PASSWORD) && !String(refused.stack).includes(WRONG_PASSWORD));
    const anonymous = await registryError(new RegistryClient(registry.host).manifestDigest('team/shop-api', '2.0.0'));
    assert.equal(anonymous.kind, 'unauthorized');
    assert.match(anonymous.message, /requires sign-in to read team\/shop-api \(401\)/);
  });

  it('token-auth registry: the engine and the client both get Bearer tokens from the token service', async () => {
    const registry = await started({ tokenAuth: ACCOUNT });
    assert.match(registry.tokenRealm ?? '', /^http:\/\/127\.0\.0\.1:\d+\/token$/);
    const digest = await push(registry, 'shop-api', '3.1.0', ACCOUNT);
    const client = new RegistryClient(registry.host, { username: ACCOUNT.user, password: ACCOUNT.password });
    assert.deepEqual(await client.tags('shop-api'), ['3.1.0']);
    assert.equal(await client.manifestDigest('shop-api', '3.1.0'), digest);

    const refused = await registryError(
      new RegistryClient(registry.host, { username: ACCOUNT.user, password: WRONG_PASSWORD }).tags('shop-api'),
    );
    assert.equal(refused.kind, 'unauthorized');
    assert.ok(!refused.message.includes(WRONG_PASSWORD));
    const anonymous = await registryError(new RegistryClient(registry.host).tags('shop-api'));
    assert.equal(anonymous.kind, 'unauthorized', 'an anonymous token grants nothing');
    assert.match(anonymous.message, /requires sign-in/);
  });

  it('stopped registry: unreachable, connection refused', async () => {
    const registry = await started();
    await registry.stop();
    const error = await registryError(new RegistryClient(registry.host).tags('shop-api'));
    assert.equal(error.kind, 'unreachable');
    assert.equal(error.message, `Cannot reach registry ${registry.host}: connection refused`);
  });
});
