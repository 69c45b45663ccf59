import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ServiceError } from '../../../src/core/errors';
import {
  applyReferenceEdits,
  isDockerfileName,
  parseImageReference,
  readBaseImages,
  shortDigest,
  unpinned,
} from '../../../src/release/image/baseImages';
import { pinEdit, planBaseImageRefresh } from '../../../src/release/image/baseImageDigests';
import type { DigestSourceFor } from '../../../src/release/image/baseImageDigests';
import { registryError } from '../../support/registryError';

const fixture = (name: string) => readFileSync(path.join(__dirname, '../../fixtures/dockerfiles', name), 'utf8');
const OLD = `sha256:${'a'.repeat(64)}`;
const NEW = `sha256:${'b'.repeat(64)}`;

/** What each FROM line became: the image as `registry/repository[:tag][@digest]`, or why it was skipped. */
function summary(text: string): string[] {
  return readBaseImages(text).map(({ line, image, skip, stage, platform }) => {
    const what = image
      ? `${image.registry}/${image.repository}${image.tag ? `:${image.tag}` : ''}${image.digest ? `@${image.digest.slice(0, 15)}` : ''}`
      : `skip: ${skip}`;
    return `${line + 1} ${what}${stage ? ` as ${stage}` : ''}${platform ? ` on ${platform}` : ''}`;
  });
}

/** Digests by `registry/repository:tag`, asked through the same interface as a RegistryClient. */
function digests(answers: Record<string, string>, asked: string[] = []): DigestSourceFor {
  return (registry) =>
    Promise.resolve({
      manifestDigest: (repository: string, tag: string) => {
        asked.push(`${registry}/${repository}:${tag}`);
        return Promise.resolve(answers[`${registry}/${repository}:${tag}`]);
      },
    });
}

describe('base images of a Dockerfile (unit)', () => {
  it('docker/buildx: build arguments, --platform, a digest without a tag, scratch and earlier stages are told apart', () => {
    assert.deepEqual(summary(fixture('buildx.Dockerfile')), [
      '6 skip: the image name comes from the build argument DOCKERD_VERSION as dockerd-release',
      '9 docker.io/tonistiigi/xx@sha256:21a61be4 as xx on $BUILDPLATFORM',
      '11 skip: the image name comes from the build argument GO_VERSION as golatest on $BUILDPLATFORM',
      '13 skip: golatest is an earlier build stage as gobase',
      '19 skip: gobase is an earlier build stage as buildx-version',
      '25 skip: gobase is an earlier build stage as buildx-build',
      '35 skip: buildx-build is an earlier build stage as test',
      '42 skip: scratch is the empty image, not pulled from a registry as test-coverage',
      '45 skip: scratch is the empty image, not pulled from a registry as binaries-unix',
      '48 skip: binaries-unix is an earlier build stage as binaries-darwin',
      '49 skip: binaries-unix is an earlier build stage as binaries-linux',
      '51 skip: scratch is the empty image, not pulled from a registry as binaries-windows',
      '54 skip: the image name comes from the build argument TARGETOS as binaries',
      '57 docker.io/library/alpine as releaser on $BUILDPLATFORM',
      '64 skip: scratch is the empty image, not pulled from a registry as release',
      '68 skip: the image name comes from the build argument DOCKERD_VERSION as dockerd-release',
      '69 docker.io/library/alpine as shell',
      '81 skip: binaries is an earlier build stage',
    ]);
  });

  it('next.js with-docker: a Docker Hub short name, then stages built on it', () => {
    assert.deepEqual(summary(fixture('next-with-docker.Dockerfile')), [
      '1 docker.io/library/node:18-alpine as base',
      '4 skip: base is an earlier build stage as deps',
      '20 skip: base is an earlier build stage as builder',
      '36 skip: base is an earlier build stage as runner',
    ]);
  });

  it('a here-document body is not read as FROM lines, and FROMs after it are', () => {
    const text = [
      'FROM golang:1.22 AS build',
      'RUN <<EOF',
      'from the docs: build it',
      'EOF',
      'COPY <<-"NOTE" /notes.txt',
      '\tFROM alpine:3.19 is what runs it',
      '\tNOTE',
      'RUN echo $((1<<2))',
      'FROM alpine:3.19',
      '',
    ].join('\n');
    assert.deepEqual(
      readBaseImages(text).map((from) => [from.line, from.reference]),
      [
        [0, 'golang:1.22'],
        [8, 'alpine:3.19'],
      ],
    );
  });

  it('prometheus: another registry, a padded FROM, and a pin that changes only the reference', async () => {
    const text = fixture('prometheus.Dockerfile');
    assert.deepEqual(summary(text), ['1 quay.io/prometheus/busybox:latest']);
    const [from] = unpinned(readBaseImages(text));
    const edit = await pinEdit(from, 'Dockerfile', digests({ 'quay.io/prometheus/busybox:latest': NEW }));
    const pinned = applyReferenceEdits(text, [edit]);
    assert.equal(
      pinned,
      text.replace('FROM        quay.io/prometheus/busybox:latest\n', `FROM        quay.io/prometheus/busybox:latest@${NEW}\n`),
    );
  });

  it('registry hosts with ports, localhost, Docker Hub aliases, and names that are no references', () => {
    assert.deepEqual(parseImageReference('localhost:5000/team/api:1.2'), {
      name: 'localhost:5000/team/api',
      registry: 'localhost:5000',
      repository: 'team/api',
      tag: '1.2',
    });
    assert.deepEqual(parseImageReference('127.0.0.1:5000/base'), {
      name: '127.0.0.1:5000/base',
      registry: '127.0.0.1:5000',
      repository: 'base',
    });
    assert.equal(parseImageReference('index.docker.io/node:20')?.repository, 'library/node');
    assert.equal(parseImageReference('docker.io/bitnami/redis:7')?.repository, 'bitnami/redis', 'a namespace gets no library/');
    assert.equal(parseImageReference('library/node:20')?.repository, 'library/node');
    assert.equal(parseImageReference('team/api:1')?.registry, 'docker.io', 'a first component without . or : is a Docker Hub namespace');
    assert.equal(parseImageReference('Node:20'), undefined, 'upper case');
    assert.equal(parseImageReference('node:20@sha256:short'), undefined, 'a digest too short');
    assert.deepEqual(summary('FROM Node:20 AS Build\n'), ['1 skip: Node:20 is not a valid image reference as Build']);
  });

  it('pins with the tag kept (latest made explicit), --platform and AS kept, CRLF kept; pinned lines and continuations are left', async () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      'from --platform=linux/amd64 localhost:5000/base:1 as build',
      'RUN echo \\',
      '  from not-an-instruction',
      `FROM node:20@${OLD}`,
      'FROM alpine',
      'FROM build',
      '',
    ].join('\r\n');
    const asked: string[] = [];
    const sources = digests({ 'localhost:5000/base:1': NEW, 'docker.io/library/alpine:latest': OLD }, asked);
    const lines = readBaseImages(text);
    assert.deepEqual(
      lines.map((l) => l.line),
      [1, 4, 5, 6],
      'a continued RUN line is no FROM',
    );
    const edits = await Promise.all(unpinned(lines).map((from) => pinEdit(from, 'Dockerfile', sources)));
    assert.deepEqual(asked, ['localhost:5000/base:1', 'docker.io/library/alpine:latest']);
    assert.equal(
      applyReferenceEdits(text, edits),
      [
        '# syntax=docker/dockerfile:1',
        `from --platform=linux/amd64 localhost:5000/base:1@${NEW} as build`,
        'RUN echo \\',
        '  from not-an-instruction',
        `FROM node:20@${OLD}`,
        `FROM alpine:latest@${OLD}`,
        'FROM build',
        '',
      ].join('\r\n'),
    );
  });

  it('a tag the registry does not have, and a registry that fails, name the image and the line', async () => {
    const [from] = unpinned(readBaseImages('FROM 127.0.0.1:5000/base:9\n'));
    const missing = await registryError(pinEdit(from, 'api/Dockerfile', digests({})));
    assert.equal(missing.kind, 'not-found');
    assert.equal(missing.message, '127.0.0.1:5000/base:9 (api/Dockerfile, line 1): 127.0.0.1:5000 has no tag 9 of base');
    const refused = new ServiceError('registry 127.0.0.1:5000', 'unauthorized', '127.0.0.1:5000 requires sign-in to read base (401)');
    const failing: DigestSourceFor = () => Promise.resolve({ manifestDigest: () => Promise.reject(refused) });
    const error = await registryError(pinEdit(from, 'api/Dockerfile', failing));
    assert.equal(error.kind, 'unauthorized');
    assert.equal(error.message, '127.0.0.1:5000/base:9 (api/Dockerfile, line 1): 127.0.0.1:5000 requires sign-in to read base (401)');
  });

  it('a refresh plans new digests only for pinned lines with a tag whose digest moved', async () => {
    const dockerfile = [`FROM node:20@${OLD} AS build`, `FROM alpine:3.20@${OLD}`, `FROM tonistiigi/xx@${OLD}`, 'FROM busybox:1', ''].join(
      '\n',
    );
    const plan = await planBaseImageRefresh(
      [
        { file: 'Dockerfile', text: dockerfile },
        { file: 'worker.Dockerfile', text: `FROM alpine:3.20@${OLD}\n` },
      ],
      digests({ 'docker.io/library/node:20': NEW, 'docker.io/library/alpine:3.20': OLD }),
    );
    assert.equal(plan.checked, 3);
    assert.deepEqual(
      plan.updates.map((u) => `${u.file}:${u.line + 1} ${u.image.name}:${u.image.tag} ${shortDigest(u.from)} → ${shortDigest(u.to)}`),
      ['Dockerfile:1 node:20 sha256:aaaaaaaaaaaa → sha256:bbbbbbbbbbbb'],
    );
    assert.deepEqual(plan.texts, [{ file: 'Dockerfile', text: dockerfile.replace(`node:20@${OLD}`, `node:20@${NEW}`) }]);
  });

  it('knows Dockerfiles by name', () => {
    for (const name of ['Dockerfile', 'api/Dockerfile', 'Containerfile', 'api.Dockerfile', 'Dockerfile.prod', 'docker/worker.dockerfile']) {
      assert.ok(isDockerfileName(name), name);
    }
    for (const name of ['MyDockerfile', 'dockerfile-lint.json', 'docker-compose.yml']) {
      assert.equal(isDockerfileName(name), false, name);
    }
  });
});
