import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { sentryDependencies, sentryPackagesIn } from '../../../src/monitor/sentrySdks';

describe("Sentry SDKs in an app's manifests, in every language Sentry has an SDK for (unit)", () => {
  it('reads each manifest the way its ecosystem writes it', () => {
    const cases: Array<[file: string, text: string, expected: string[]]> = [
      [
        'package.json',
        '{"dependencies":{"@sentry/node":"^8","express":"4"},"devDependencies":{"@sentry/cli":"2"}}',
        ['@sentry/node', '@sentry/cli'],
      ],
      ['package.json', '{ broken', []],
      [
        'go.mod',
        'module example.com/shop\n\ngo 1.21\n\nrequire (\n\tgithub.com/getsentry/sentry-go v0.25.0\n\tgithub.com/gin-gonic/gin v1.9.1\n)\n',
        ['github.com/getsentry/sentry-go'],
      ],
      ['go.mod', 'module x\nrequire github.com/getsentry/sentry-go/otel v0.25.0 // indirect\n', ['github.com/getsentry/sentry-go/otel']],
      ['requirements.txt', '-r base.txt\nflask==3.0\nsentry-sdk[flask]==1.9.10  # errors\n', ['sentry-sdk']],
      ['requirements.txt', 'Sentry_SDK>=1\nsentry-sdk-extras==1\n', ['sentry-sdk']],
      ['pyproject.toml', '[project]\ndependencies = [\n  "fastapi>=0.100",\n  "sentry-sdk[fastapi]>=1.40",\n]\n', ['sentry-sdk']],
      ['pyproject.toml', '[tool.poetry.dependencies]\npython = "^3.11"\nsentry_sdk = "^1.9"\n', ['sentry-sdk']],
      ['pyproject.toml', '[project]\nname = "sentry-sdk-example"\n', []],
      ['Pipfile', '[packages]\nsentry-sdk = "*"\n', ['sentry-sdk']],
      [
        'Gemfile',
        "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\ngem \"sentry-ruby\"\ngem 'sentry-rails', '~> 5.0'\n",
        ['sentry-ruby', 'sentry-rails'],
      ],
      ['composer.json', '{"require":{"php":">=8.1","sentry/sentry-laravel":"^4.0"}}', ['sentry/sentry-laravel']],
      [
        'Cargo.toml',
        '[dependencies]\nsentry = "0.32"\nsentry-tracing = { version = "0.32" }\nsentry_key = 1\n',
        ['sentry', 'sentry-tracing'],
      ],
      [
        'pom.xml',
        '<dependency>\n  <groupId>io.sentry</groupId>\n  <artifactId>sentry-spring-boot-starter-jakarta</artifactId>\n  <version>7.0.0</version>\n</dependency>',
        ['sentry-spring-boot-starter-jakarta'],
      ],
      ['build.gradle', "dependencies {\n  implementation 'io.sentry:sentry:7.0.0'\n}\n", ['sentry']],
      ['build.gradle.kts', 'dependencies {\n  implementation("io.sentry:sentry-android:7.0.0")\n}\n', ['sentry-android']],
      ['README.md', 'sentry-sdk', []],
    ];
    for (const [file, text, expected] of cases) assert.deepEqual(sentryPackagesIn(file, text), expected, `${file}: ${text}`);
  });

  it("lists a folder's SDKs across its manifests, once each and sorted; a folder without manifests has none", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'cnv-sdks-'));
    try {
      assert.deepEqual(await sentryDependencies(folder), []);
      writeFileSync(path.join(folder, 'go.mod'), 'module shop\nrequire github.com/getsentry/sentry-go v0.11.0\n');
      writeFileSync(path.join(folder, 'requirements.txt'), 'sentry-sdk==1.9.10\n');
      writeFileSync(path.join(folder, 'Pipfile'), '[packages]\nsentry_sdk = "*"\n');
      assert.deepEqual(await sentryDependencies(folder), ['github.com/getsentry/sentry-go', 'sentry-sdk']);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
