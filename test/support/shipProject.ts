// A project the belt can ship end to end: a package.json version, a Dockerfile FROM the test base image, a
// Deployment of that image, and conveyor.yml with a test stage, the image, staging and production (which
// confirms), delivery with short bakes, and staging's uptime check. Used by the belt's integration and e2e tests.
import { execFileSync } from 'node:child_process';
import { sampleWorkspace } from './sampleWorkspace';
import type { SampleWorkspace } from './sampleWorkspace';

export interface ShipProjectOptions {
  registryHost: string;
  namespaces: { staging: string; production: string };
  /** Port of the HTTP service standing in for staging's running app. */
  appPort: number;
  stagingBakeSeconds: number;
  receiverPort?: number;
  name?: string;
}

export function shipProject(options: ShipProjectOptions): SampleWorkspace {
  const ws = sampleWorkspace(
    {
      'package.json': '{\n  "name": "shop",\n  "version": "0.1.0",\n  "private": true\n}\n',
      Dockerfile: 'FROM conveyor-base:busybox\nCOPY src /app\n',
      'src/app.js': 'console.log("shop");\n',
      'k8s/app.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\nspec:\n  replicas: 1\n  progressDeadlineSeconds: 8\n  selector: {matchLabels: {app: shop}}\n  template:\n    metadata: {labels: {app: shop}}\n    spec:\n      containers:\n        - {name: shop, image: "${options.registryHost}/shop:latest"}\n`,
      'conveyor.yml': [
        'pipeline:',
        '  security: false',
        '  stages:',
        '    - { name: test, run: "true" }',
        'image:',
        '  name: shop',
        `  registry: ${options.registryHost}`,
        'environments:',
        `  staging: { context: conveyor-admin, namespace: ${options.namespaces.staging}, manifests: k8s }`,
        `  production: { context: conveyor-admin, namespace: ${options.namespaces.production}, manifests: k8s, confirm: true }`,
        'delivery:',
        '  environments:',
        `    - { name: staging, verify: { bake: ${options.stagingBakeSeconds}, interval: 1 } }`,
        '    - { name: production, verify: { bake: 1, interval: 1 } }',
        'uptime:',
        `  - { name: shop-staging, url: "http://127.0.0.1:${options.appPort}/health", environment: staging }`,
        ...(options.receiverPort !== undefined ? ['sentry:', `  receiverPort: ${options.receiverPort}`] : []),
        '',
      ].join('\n'),
    },
    { git: true, name: options.name ?? 'shop' },
  );
  for (const [key, value] of [
    ['user.name', 'Ship Tester'],
    ['user.email', 'ship@conveyor.invalid'],
  ])
    execFileSync('git', ['config', key, value], { cwd: ws.dir });
  return ws;
}
