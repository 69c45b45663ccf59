import * as assert from 'node:assert/strict';
import { isServiceError } from '../../../src/core/errors';
import { parseConfig } from '../../../src/core/config/parseConfig';
import {
  authTokenKey,
  npmErrorLines,
  parsePackOutput,
  parseViewOutput,
  publishCommand,
  publishFailure,
  userconfigWithToken,
  viewCommand,
} from '../../../src/release/package/npmPublish';
import { NpmRegistryClient, packumentPath, readPackument } from '../../../src/release/package/npmRegistryClient';
import { DEFAULT_NPM_REGISTRY, distTagFor, resolvePackage } from '../../../src/release/package/packageDefinition';
import type { PackageTarget } from '../../../src/release/package/packageDefinition';
import { formatTagMessage, parseTagMessage } from '../../../src/release/releaseRecord';
import { releaseNodes } from '../../../src/release/ui/releaseNodes';
import { aReleaseRecord } from '../../support/builders';
import { folderStatus } from '../../support/folderStatusFixture';
import { sampleWorkspaces } from '../../support/sampleWorkspace';
import { npmTokenBinding } from '../../../src/cli/npmToken';

const TARGET: PackageTarget = { name: '@acme/lib', registry: 'http://127.0.0.1:4873/', registrySource: 'default', distTag: 'latest' };
const INTEGRITY = `sha512-${'A'.repeat(86)}==`;

describe('npm packages in a release', () => {
  describe('the release record', () => {
    const both = aReleaseRecord({
      version: '1.4.0',
      image: { repository: '127.0.0.1:5000/shop', tags: ['1.4.0'], digest: `sha256:${'ab'.repeat(32)}` },
      package: { name: '@acme/lib', version: '1.4.0', registry: 'http://127.0.0.1:4873/', distTag: 'latest', integrity: INTEGRITY },
    });

    it('holds an image and a package in one record, and reads it back', () => {
      const message = formatTagMessage(both, '');
      assert.match(message, /\nimage:\n[\s\S]*\npackage:\n {2}name: "@acme\/lib"\n {2}version: 1\.4\.0\n[\s\S]*\ncreatedAt: /);
      assert.deepEqual(parseTagMessage(message), both);
    });

    it('still reads a record made before packages were published', () => {
      const old = aReleaseRecord({ image: both.image });
      const parsed = parseTagMessage(formatTagMessage(old, ''));
      assert.deepEqual(parsed, old);
      assert.equal(parsed?.package, undefined);
    });

    it('says which package field is missing', () => {
      const broken = formatTagMessage(both, '').replace(/ {2}integrity: .*\n/, '');
      assert.throws(() => parseTagMessage(broken), /missing "package\.integrity"/);
    });
  });

  describe('which package a folder publishes, and where', () => {
    const workspace = sampleWorkspaces();
    const folderWith = (manifest: unknown) =>
      workspace({ 'package.json': typeof manifest === 'string' ? manifest : JSON.stringify(manifest) }).dir;

    it('publishes nothing for a private package, one without a name or a version, or a package.json that is not JSON', async () => {
      assert.equal(await resolvePackage(folderWith({ name: 'app', version: '1.0.0', private: true }), {}), undefined);
      // No version: package.json is not the version file, the release would not write one and npm cannot pack it.
      assert.equal(await resolvePackage(folderWith({ name: 'lib' }), {}), undefined);
      assert.equal(await resolvePackage(folderWith({ name: 'lib', version: 3 }), {}), undefined);
      assert.equal(await resolvePackage(folderWith({ name: 'lib', version: ' ' }), {}), undefined);
      assert.equal(await resolvePackage(folderWith({ version: '1.0.0' }), {}), undefined);
      assert.equal(await resolvePackage(folderWith('{ "name": '), {}), undefined);
      assert.equal(await resolvePackage(workspace({}).dir, {}), undefined);
    });

    it('takes conveyor.yml’s registry, else publishConfig’s, else the local Verdaccio', async () => {
      const folder = folderWith({ name: 'lib', version: '1.0.0', publishConfig: { registry: 'https://npm.pkg.github.com' } });
      assert.deepEqual(
        await resolvePackage(folder, { release: { npm: { registry: 'https://nexus.acme.dev/repository/npm', distTag: 'beta' } } }),
        {
          name: 'lib',
          registry: 'https://nexus.acme.dev/repository/npm/',
          registrySource: 'conveyor.yml',
          distTag: 'beta',
        },
      );
      assert.deepEqual(await resolvePackage(folder, {}), {
        name: 'lib',
        registry: 'https://npm.pkg.github.com/',
        registrySource: 'publishConfig',
        distTag: undefined,
      });
      assert.equal((await resolvePackage(folderWith({ name: 'lib', version: '1.0.0' }), {}))?.registry, DEFAULT_NPM_REGISTRY);
    });

    it('tags a prerelease next and anything else latest, unless conveyor.yml names the dist-tag', () => {
      assert.equal(distTagFor('1.4.0'), 'latest');
      assert.equal(distTagFor('2.0.0-rc.1'), 'next');
      assert.equal(distTagFor('2.0.0-rc.1', 'beta'), 'beta');
    });

    it('validates release.npm in conveyor.yml', () => {
      const good = parseConfig('release:\n  npm:\n    registry: https://registry.npmjs.org/\n    distTag: canary\n');
      assert.deepEqual(good.problems, []);
      const bad = parseConfig('release:\n  npm:\n    registry: registry.npmjs.org\n    token: abc\n');
      assert.deepEqual(bad.problems.map((p) => p.range.start.line + 1).sort(), [3, 4], bad.problems.map((p) => p.message).join('\n'));
    });
  });

  describe('npm’s own output', () => {
    it('reads what npm pack packed, after whatever a prepack script printed', () => {
      const stdout = [
        '> @acme/lib@1.4.0 prepack',
        '> node build.js',
        '[build] done',
        JSON.stringify(
          [
            {
              id: '@acme/lib@1.4.0',
              name: '@acme/lib',
              version: '1.4.0',
              filename: 'acme-lib-1.4.0.tgz',
              integrity: INTEGRITY,
              shasum: 'e463c6d2',
              files: [],
            },
          ],
          null,
          2,
        ),
        '',
      ].join('\n');
      assert.deepEqual(parsePackOutput(stdout), {
        name: '@acme/lib',
        version: '1.4.0',
        filename: 'acme-lib-1.4.0.tgz',
        integrity: INTEGRITY,
        shasum: 'e463c6d2',
      });
      assert.throws(() => parsePackOutput('npm warn something\n'), /npm pack did not report the package it packed/);
    });

    it('words a version that is already there, a missing or refused token, and an unreachable registry', () => {
      const conflict = publishFailure(
        'npm error You cannot publish over the previously published versions: 1.4.0.\n',
        TARGET,
        '1.4.0',
        true,
      );
      assert.equal(conflict.kind, 'conflict');
      assert.equal(
        conflict.message,
        'http://127.0.0.1:4873/ already has @acme/lib@1.4.0: a registry never takes a version twice, so release the next version.',
      );
      assert.equal(publishFailure('npm error code EPUBLISHCONFLICT\n', TARGET, '1.4.0', false).kind, 'conflict');

      const noToken = publishFailure(
        'npm error code ENEEDAUTH\nnpm error need auth This command requires you to be logged in\n',
        TARGET,
        '1.4.0',
        false,
      );
      assert.ok(isServiceError(noToken, 'unauthorized'));
      assert.match(
        noToken.message,
        /did not accept a token to publish @acme\/lib@1\.4\.0 \(no token\): set a token with "Conveyor: Set npm Registry Token…"/,
      );
      assert.match(publishFailure('npm error code E401\n', TARGET, '1.4.0', true).message, /did not accept the stored token .*\(401\)/);

      const forbidden = publishFailure('npm error code E403\nnpm error 403 Forbidden - PUT http://x/@acme%2flib\n', TARGET, '1.4.0', true);
      assert.equal(forbidden.kind, 'forbidden');
      assert.match(forbidden.message, /refused to let this token publish @acme\/lib@1\.4\.0 \(403\): check that it may publish @acme\/lib/);

      const down = publishFailure(
        'npm error code ECONNREFUSED\nnpm error request to http://127.0.0.1:4873/ failed\n',
        TARGET,
        '1.4.0',
        false,
      );
      assert.equal(down.kind, 'unreachable');
      assert.equal(publishFailure('npm error code E500\nnpm error boom\n', TARGET, '1.4.0', false).kind, 'invalid');
    });

    it('keeps npm’s error lines and drops the pointer to its debug log', () => {
      assert.equal(
        npmErrorLines(
          'npm notice x\nnpm error code E500\nnpm error boom\nnpm error A complete log of this run can be found in: /root/.npm/_logs/x.log\n',
        ),
        'code E500 boom',
      );
    });

    it('keeps the user’s own .npmrc in the temporary userconfig, and only replaces the registry’s token line', () => {
      const own = [
        'proxy=http://proxy.acme.dev:3128/',
        'cafile=/etc/ssl/acme.pem',
        'strict-ssl=true',
        '@acme:registry=https://npm.acme.dev/',
        '//127.0.0.1:4873/:_authToken = old-token',
        '//npm.acme.dev/:_authToken=other',
        '',
      ].join('\n');
      assert.equal(
        userconfigWithToken(own, 'http://127.0.0.1:4873/'),
        [
          'proxy=http://proxy.acme.dev:3128/',
          'cafile=/etc/ssl/acme.pem',
          'strict-ssl=true',
          '@acme:registry=https://npm.acme.dev/',
          '//npm.acme.dev/:_authToken=other',
          '//127.0.0.1:4873/:_authToken=${CONVEYOR_NPM_TOKEN}',
          '',
        ].join('\n'),
      );
      assert.equal(userconfigWithToken(undefined, 'http://127.0.0.1:4873/'), '//127.0.0.1:4873/:_authToken=${CONVEYOR_NPM_TOKEN}\n');
    });

    it('pins a scoped package to the checked registry, so an @scope:registry line cannot redirect it', () => {
      assert.deepEqual(publishCommand('/w', '/t/acme-lib-1.4.0.tgz', TARGET, '/tmp/npmrc').args, [
        'publish',
        '/t/acme-lib-1.4.0.tgz',
        '--tag',
        'latest',
        '--registry',
        'http://127.0.0.1:4873/',
        '--@acme:registry=http://127.0.0.1:4873/',
        '--userconfig',
        '/tmp/npmrc',
      ]);
      assert.deepEqual(publishCommand('/w', '/t/lib.tgz', { ...TARGET, name: 'lib' }).args, [
        'publish',
        '/t/lib.tgz',
        '--tag',
        'latest',
        '--registry',
        'http://127.0.0.1:4873/',
      ]);
      assert.deepEqual(viewCommand('/w', TARGET, '1.4.0').args, [
        'view',
        '@acme/lib@1.4.0',
        'dist.integrity',
        'dist-tags',
        '--json',
        '--registry',
        'http://127.0.0.1:4873/',
        '--@acme:registry=http://127.0.0.1:4873/',
      ]);
    });

    it('reads the registry’s copy from npm view, and nothing while npm does not list the version', () => {
      assert.deepEqual(parseViewOutput(JSON.stringify({ 'dist.integrity': INTEGRITY, 'dist-tags': { latest: '1.4.0' } })), {
        integrity: INTEGRITY,
        distTags: { latest: '1.4.0' },
      });
      assert.deepEqual(parseViewOutput('\n'), { distTags: {} });
    });

    it('keys the token by the registry’s host and path, as npm looks it up', () => {
      assert.equal(authTokenKey('http://127.0.0.1:4873/'), '//127.0.0.1:4873/:_authToken');
      assert.equal(authTokenKey('https://nexus.acme.dev/repository/npm'), '//nexus.acme.dev/repository/npm/:_authToken');
    });
  });

  describe('NPM_TOKEN in the CLI', () => {
    it('goes only to the host of NPM_TOKEN_REGISTRY, else of --registry, else nowhere', () => {
      const bound = npmTokenBinding({ NPM_TOKEN: 'ci-token', NPM_TOKEN_REGISTRY: 'https://registry.npmjs.org/' }, 'https://other.dev/');
      assert.equal(bound.tokenFor('https://registry.npmjs.org/'), 'ci-token');
      assert.equal(bound.tokenFor('https://evil.example/npm/'), undefined, 'a registry named by a tag record or package.json');
      assert.deepEqual(bound.withheld, [
        'NPM_TOKEN was not sent to https://evil.example/npm/: it is only sent to registry.npmjs.org (npm still uses your .npmrc).',
      ]);

      const fromCli = npmTokenBinding({ NPM_TOKEN: 'ci-token' }, 'https://npm.pkg.github.com');
      assert.equal(fromCli.tokenFor('https://npm.pkg.github.com/'), 'ci-token');
      assert.equal(fromCli.tokenFor('https://npm.pkg.github.com.evil.example/'), undefined);

      const unbound = npmTokenBinding({ NPM_TOKEN: 'ci-token' });
      assert.equal(unbound.tokenFor('https://registry.npmjs.org/'), undefined);
      assert.match(unbound.withheld[0], /name the registry it belongs to with NPM_TOKEN_REGISTRY or --registry/);

      const none = npmTokenBinding({ NPM_TOKEN_REGISTRY: 'https://registry.npmjs.org/' });
      assert.equal(none.tokenFor('https://registry.npmjs.org/'), undefined);
      assert.deepEqual(none.withheld, [], 'nothing withheld without a token');
    });
  });

  describe('the registry’s packument', () => {
    it('asks for a scoped package as one path segment and reads each version’s integrity', () => {
      assert.equal(packumentPath('@acme/lib'), '@acme%2Flib');
      assert.equal(packumentPath('lib'), 'lib');
      const read = readPackument({
        'dist-tags': { latest: '1.4.0' },
        versions: { '1.4.0': { dist: { integrity: INTEGRITY } }, '0.1.0': { dist: { shasum: 'x' } } },
      });
      assert.deepEqual(
        [...read.versions],
        [
          ['1.4.0', INTEGRITY],
          ['0.1.0', undefined],
        ],
      );
      assert.deepEqual(read.distTags, { latest: '1.4.0' });
    });

    it('tells how to start the local default registry when it does not answer', async () => {
      const refused = () =>
        Promise.reject(
          Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }),
        );
      const client = new NpmRegistryClient(DEFAULT_NPM_REGISTRY, undefined, { fetch: refused });
      await assert.rejects(client.published('lib'), (error: Error) => {
        assert.ok(isServiceError(error, 'unreachable'));
        assert.match(
          error.message,
          /^Cannot reach the npm registry http:\/\/127\.0\.0\.1:4873\/: connection refused: start a local one with `npx verdaccio`/,
        );
        return true;
      });
    });

    it('names the registry and the token command when a stub registry answers 401, without the token', async () => {
      const stub: typeof fetch = (input, init) => {
        assert.equal(input instanceof Request ? input.url : input.toString(), 'https://npm.pkg.github.com/@acme%2Flib');
        assert.equal(new Headers(init?.headers).get('authorization'), 'Bearer ghp_secret-token');
        return Promise.resolve(new Response('{"error":"bad credentials ghp_secret-token"}', { status: 401 }));
      };
      const client = new NpmRegistryClient('https://npm.pkg.github.com/', 'ghp_secret-token', { fetch: stub });
      await assert.rejects(client.published('@acme/lib'), (error: Error) => {
        assert.ok(isServiceError(error, 'unauthorized'));
        assert.match(
          error.message,
          /^The npm registry https:\/\/npm\.pkg\.github\.com\/ refused to let Conveyor read @acme\/lib \(401\): set a token/,
        );
        assert.doesNotMatch(error.message, /ghp_secret-token/);
        return true;
      });
    });

    it('never sends a token over plain http to another machine', async () => {
      const client = new NpmRegistryClient('http://nexus.acme.dev/repository/npm/', 'secret-token', {
        fetch: () => assert.fail('nothing is sent'),
      });
      await assert.rejects(client.published('lib'), /sends a token only over https/);
    });
  });

  describe('the Releases view', () => {
    it('shows the package a folder publishes and each release’s package check', () => {
      const status = folderStatus({ package: { name: '@acme/lib', registry: DEFAULT_NPM_REGISTRY, registrySource: 'default' } });
      const record = aReleaseRecord({
        package: { name: '@acme/lib', version: '1.0.0', registry: DEFAULT_NPM_REGISTRY, distTag: 'latest', integrity: INTEGRITY },
      });
      const release = { tag: 'v1.0.0', date: '2026-12-01', commit: record.commit, record, check: 'no-image' as const };
      const nodes = releaseNodes(status, {
        loading: false,
        catalog: {
          releases: [
            { ...release, packageCheck: 'mismatch', registryIntegrity: 'sha512-other' },
            { ...release, tag: 'v0.9.0', packageCheck: 'verified' },
          ],
        },
      });
      assert.deepEqual(
        nodes.map((n) => [n.label, n.description, n.icon]),
        [
          ['@acme/lib', 'npm · http://127.0.0.1:4873/ (local default)', 'package'],
          ['v1.0.0', '4c7e1d2 · 2026-12-01 · the npm registry holds a different tarball', 'warning:list.warningForeground'],
          ['v0.9.0', '4c7e1d2 · 2026-12-01 · package integrity verified', 'verified-filled:testing.iconPassed'],
        ],
      );
      assert.match(String(nodes[1].tooltip), /The npm registry now has sha512-other/);
    });
  });
});
