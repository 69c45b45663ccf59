import * as assert from 'node:assert/strict';
import type { Event, StackFrame } from '@sentry/node';
import { REDACTED, scrubEvent } from '../../../src/crashReporter/crashReporter';
import type { ScrubOptions } from '../../../src/crashReporter/crashReporter';

const HOME = '/Users/alice';
const WORKSPACE = '/Users/alice/code/shop';
const EXTENSION = '/Users/alice/.vscode/extensions/conveyor-dev.conveyor-0.1.0';
const OPTIONS: ScrubOptions = {
  scrubPaths: [
    { path: HOME, label: '~' },
    { path: `${WORKSPACE}/`, label: '<workspace>' },
    { path: EXTENSION, label: '<extension>' },
  ],
  secrets: ['corp-jenkins-s3cret', 'abc'],
};

const GITHUB_TOKEN = `ghp_${'A1b2C3d4E5'.repeat(3)}x9Y8z7`;
const EVENT_ID = '0123456789abcdef0123456789abcdef';
const TRACE_ID = 'fedcba9876543210fedcba9876543210';

/** An event as @sentry/node builds it for an error thrown in the extension while running the user's pipeline. */
function realisticEvent(): Event {
  return {
    event_id: EVENT_ID,
    timestamp: 1767225600.123,
    platform: 'node',
    level: 'error',
    release: 'conveyor@0.1.0',
    environment: 'production',
    server_name: 'alice-macbook.local',
    user: { id: '501', username: 'alice', ip_address: '10.0.0.7' },
    message: `pipeline failed in ${WORKSPACE}`,
    exception: {
      values: [
        {
          type: 'PipelineError',
          value: `cannot read ${WORKSPACE}/conveyor.yml: push to https://x-access-token:${GITHUB_TOKEN}@github.com/acme/shop.git refused`,
          mechanism: { type: 'generic', handled: true },
          stacktrace: {
            frames: [
              {
                filename: 'node:internal/process/task_queues',
                module: 'task_queues',
                function: 'process.processTicksAndRejections',
                lineno: 95,
                colno: 5,
                in_app: false,
              },
              {
                filename: `${WORKSPACE}/scripts/build.js`,
                abs_path: `${WORKSPACE}/scripts/build.js`,
                module: 'Users.alice.code.shop.scripts:build',
                function: 'main',
                lineno: 7,
                colno: 9,
                in_app: true,
              },
              {
                filename: `${HOME}/.nvm/versions/node/v20.19.0/lib/node_modules/npm/index.js`,
                function: 'run',
                lineno: 12,
                colno: 3,
                in_app: false,
              },
              {
                filename: `${EXTENSION}/dist/extension.js`,
                abs_path: `file://${EXTENSION}/dist/extension.js`,
                module: 'extension',
                function: 'PipelineRunner.runStage',
                lineno: 1234,
                colno: 56,
                in_app: true,
                vars: { token: GITHUB_TOKEN },
              },
            ],
          },
        },
      ],
    },
    breadcrumbs: [{ category: 'console', message: `read ${HOME}/.npmrc with token=npm_${'x'.repeat(36)}`, timestamp: 1767225599 }],
    extra: { config: `${WORKSPACE}/conveyor.yml`, [`${HOME}/.gitconfig`]: 'present', jenkins: 'login with corp-jenkins-s3cret' },
    contexts: {
      os: { name: 'macOS', version: '14.5', hostname: 'alice-macbook.local' },
      device: { name: 'alice-macbook', arch: 'arm64', processor_count: 10 },
      runtime: { name: 'node', version: 'v20.19.0' },
      trace: { trace_id: TRACE_ID, span_id: '0123456789abcdef' },
    },
    request: {
      method: 'POST',
      url: 'https://alice:hunter2@jenkins.corp.example/job/shop/build?token=s3cr3tValue&delay=0',
      headers: { Authorization: 'Basic YWxpY2U6aHVudGVyMg==' },
      cookies: { session: 'c00k1e' },
      data: '{"password":"hunter2"}',
    },
    tags: { operation: 'pipeline.run', server_name: 'alice-macbook.local' },
  };
}

const frames = (event: Event): StackFrame[] => event.exception?.values?.[0]?.stacktrace?.frames ?? [];

describe('crash report scrubbing (unit)', () => {
  it('replaces home, workspace and extension paths with their placeholders, the deepest folder first', () => {
    const event = scrubEvent(realisticEvent(), OPTIONS);
    const [, build, npm, extension] = frames(event);
    assert.equal(build.filename, '<workspace>/scripts/build.js');
    assert.equal(build.abs_path, '<workspace>/scripts/build.js');
    assert.equal(build.module, '<workspace>.scripts:build', 'the dotted module form Sentry derives from the path');
    assert.equal(npm.filename, '~/.nvm/versions/node/v20.19.0/lib/node_modules/npm/index.js');
    assert.equal(extension.filename, '<extension>/dist/extension.js');
    assert.equal(extension.abs_path, 'file://<extension>/dist/extension.js');
    assert.equal(event.message, 'pipeline failed in <workspace>');
    assert.deepEqual(event.extra, { config: '<workspace>/conveyor.yml', '~/.gitconfig': 'present', jenkins: `login with ${REDACTED}` });
    assert.equal(event.breadcrumbs?.[0].message, `read ~/.npmrc with token=${REDACTED}`);
    assert.doesNotMatch(JSON.stringify(event), /alice/i);
  });

  it('keeps the error type, the scrubbed message, functions and line/column numbers', () => {
    const event = scrubEvent(realisticEvent(), OPTIONS);
    const exception = event.exception?.values?.[0];
    assert.equal(exception?.type, 'PipelineError');
    assert.equal(exception?.value, `cannot read <workspace>/conveyor.yml: push to https://${REDACTED}@github.com/acme/shop.git refused`);
    assert.deepEqual(exception?.mechanism, { type: 'generic', handled: true });
    assert.deepEqual(
      frames(event).map((frame) => [frame.function, frame.lineno, frame.colno, frame.in_app]),
      [
        ['process.processTicksAndRejections', 95, 5, false],
        ['main', 7, 9, true],
        ['run', 12, 3, false],
        ['PipelineRunner.runStage', 1234, 56, true],
      ],
    );
    assert.equal(frames(event)[0].filename, 'node:internal/process/task_queues');
  });

  it('drops the user, hostnames, request headers, cookies and bodies, and frame variables', () => {
    const event = scrubEvent(realisticEvent(), OPTIONS);
    assert.equal(event.user, undefined);
    assert.equal(event.server_name, undefined);
    assert.deepEqual(event.contexts?.os, { name: 'macOS', version: '14.5' });
    assert.deepEqual(event.contexts?.device, { arch: 'arm64', processor_count: 10 });
    assert.deepEqual(event.request, {
      method: 'POST',
      url: `https://${REDACTED}@jenkins.corp.example/job/shop/build?token=${REDACTED}&delay=0`,
    });
    assert.deepEqual(event.tags, { operation: 'pipeline.run' });
    assert.equal(frames(event)[3].vars, undefined);
    for (const leaked of ['alice-macbook', 'hunter2', 'c00k1e', '10.0.0.7', 's3cr3tValue', GITHUB_TOKEN])
      assert.ok(!JSON.stringify(event).includes(leaked), leaked);
  });

  it('keeps SDK ids and metadata intact, and leaves the input event untouched', () => {
    const input = realisticEvent();
    const copy = structuredClone(input);
    const event = scrubEvent(input, OPTIONS);
    assert.deepEqual(input, copy);
    assert.equal(event.event_id, EVENT_ID);
    assert.equal(event.contexts?.trace?.trace_id, TRACE_ID);
    assert.equal(event.release, 'conveyor@0.1.0');
    assert.equal(event.environment, 'production');
    assert.deepEqual(event.contexts?.runtime, { name: 'node', version: 'v20.19.0' });
  });

  const tokens: Array<[string, string]> = [
    ['a GitHub classic token', GITHUB_TOKEN],
    ['a GitHub OAuth token', `gho_${'Zz9'.repeat(12)}`],
    ['a GitHub fine-grained token', `github_pat_11ABCDEFG0${'a1B2'.repeat(15)}`],
    ['a Slack bot token', 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp'],
    ['a Slack user token', 'xoxp-1234567890-0987654321-AbCdEfGhIjKlMnOp'],
    ['a hex Sentry auth token', 'a'.repeat(16) + '0123456789abcdef'.repeat(3)],
    ['a Sentry org token', `sntrys_eyJpYXQiOjE3MDAwMDAwMDB9_${'Qw3'.repeat(15)}`],
    ['a Linear API key', `lin_api_${'Ab1'.repeat(14)}`],
    ['a Notion integration secret', `ntn_${'4'.repeat(46)}`],
    ['a legacy Notion integration secret', `secret_${'7'.repeat(43)}`],
    ['a Jira API token', `ATATT3xFfGF0${'Tz8_k'.repeat(10)}=A1B2C3D4`],
    ['a GitLab token', `glpat-${'Xy7_'.repeat(6)}`],
    ['an npm token', `npm_${'Ab3'.repeat(12)}`],
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'],
    ['an unprefixed base64 secret', 'q8ZtW3nXv0LrK5pB2mYhC7jD9sFgT4aE1uQ6'],
  ];
  for (const [name, token] of tokens) {
    it(`redacts ${name} wherever it appears`, () => {
      const event = scrubEvent(
        {
          message: `auth with ${token} failed`,
          exception: { values: [{ type: 'Error', value: `value ${token}.` }] },
          extra: { nested: [{ deep: token }] },
        },
        { scrubPaths: [] },
      );
      assert.equal(event.message, `auth with ${REDACTED} failed`);
      assert.equal(event.exception?.values?.[0].value, `value ${REDACTED}.`);
      assert.deepEqual(event.extra, { nested: [{ deep: REDACTED }] });
    });
  }

  it('redacts credentials in headers, query strings, JSON and URLs but keeps their names', () => {
    const scrub = (text: string) => scrubEvent({ message: text }, { scrubPaths: [] }).message;
    assert.equal(scrub('Authorization: Bearer abc.def-123_XYZ'), `Authorization: Bearer ${REDACTED}`);
    assert.equal(scrub('header Basic YWxpY2U6aHVudGVyMg=='), `header Basic ${REDACTED}`);
    assert.equal(scrub('GET /hook?password=p4ss&token=t0k&page=2'), `GET /hook?password=${REDACTED}&token=${REDACTED}&page=2`);
    assert.equal(scrub('body {"password":"hunter2","user":"x"}'), `body {"password":"${REDACTED}","user":"x"}`);
    assert.equal(scrub('config api_key: abc123 loaded'), `config api_key: ${REDACTED} loaded`);
    assert.equal(scrub('clone https://bob:pa55@git.example.com/r.git'), `clone https://${REDACTED}@git.example.com/r.git`);
  });

  it('leaves ordinary text, identifiers, versions and module names readable', () => {
    const text = 'TypeError in createCrashReporterForWorkspaceFolders at ui.auth:session (v20.19.0, conveyor@0.1.0, 3f2a-uuid)';
    assert.equal(scrubEvent({ message: text }, { scrubPaths: [] }).message, text);
  });

  it('redacts exact secrets the caller knows, ignoring ones too short to be secrets', () => {
    const event = scrubEvent({ message: 'abc: corp-jenkins-s3cret rejected' }, OPTIONS);
    assert.equal(event.message, `abc: ${REDACTED} rejected`);
  });

  it('matches Windows paths in every form they appear in: backslashes, forward slashes, file URIs, JSON', () => {
    const options: ScrubOptions = {
      scrubPaths: [
        { path: 'C:\\Users\\Alice', label: '~' },
        { path: 'C:\\Users\\Alice\\My Shop', label: '<workspace>' },
      ],
    };
    const scrub = (text: string) => scrubEvent({ message: text }, options).message;
    assert.equal(scrub('at C:\\Users\\Alice\\My Shop\\src\\a.ts:3:1'), 'at <workspace>\\src\\a.ts:3:1');
    assert.equal(scrub('at c:\\users\\alice\\AppData\\x.js'), 'at ~\\AppData\\x.js');
    assert.equal(scrub('at C:/Users/Alice/My Shop/src/a.ts'), 'at <workspace>/src/a.ts');
    assert.equal(scrub('file:///c%3A/Users/Alice/My%20Shop/src/a.ts'), 'file:///<workspace>/src/a.ts');
    assert.equal(scrub('{"file":"C:\\\\Users\\\\Alice\\\\.npmrc"}'), '{"file":"~\\\\.npmrc"}');
  });

  it('replaces whole folders only, and ignores root or relative scrub paths', () => {
    const options: ScrubOptions = {
      scrubPaths: [
        { path: '/home/al', label: '~' },
        { path: '/', label: '<root>' },
        { path: 'src', label: '<src>' },
      ],
    };
    assert.equal(scrubEvent({ message: '/home/alice/x and /home/al/y in src/' }, options).message, '/home/alice/x and ~/y in src/');
  });

  it('survives circular data', () => {
    const extra: Record<string, unknown> = { path: `${HOME}/x` };
    extra.self = extra;
    const event = scrubEvent({ extra }, OPTIONS);
    assert.deepEqual(event.extra, { path: '~/x', self: '[Circular]' });
  });
});
