// A kubeconfig the workspace chose may sign in by running a command (an exec plugin): client-node runs it on the
// first request, so connecting refuses it unless the approval the extension injects says yes. Real files and a
// real command (sh), whose side effect shows whether it ran.
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectEnvironment } from '../../../src/deploy/deployFlow';
import { DeployError } from '../../../src/deploy/deployError';
import type { EnvironmentDefinition } from '../../../src/deploy/environmentDefinition';
import { credentialCommand, loadKubeConfig } from '../../../src/deploy/kubeconfigLoader';
import type { KubeCredentialCommand } from '../../../src/deploy/kubeconfigLoader';

const STAGING: EnvironmentDefinition = { name: 'staging', confirm: false, autoRollback: false, source: 'conveyor.yml' };
const CREDENTIAL = JSON.stringify({
  apiVersion: 'client.authentication.k8s.io/v1beta1',
  kind: 'ExecCredential',
  status: { token: 'exec-token' },
});

function kubeconfig(user: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{ name: shop, cluster: { server: "https://127.0.0.1:6443" } }]',
    `users: [{ name: deployer, user: ${user} }]`,
    'contexts: [{ name: staging, context: { cluster: shop, user: deployer } }]',
    'current-context: staging',
    '',
  ].join('\n');
}

describe('credential commands of a workspace-chosen kubeconfig (integration)', () => {
  let dir: string;
  let file: string;
  let marker: string;
  let execArgs: string[];

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cnv-kubeexec-'));
    file = path.join(dir, 'kubeconfig');
    marker = path.join(dir, 'ran');
    execArgs = ['-c', `touch '${marker}' && echo '${CREDENTIAL}'`];
    const exec = {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'sh',
      args: execArgs,
      env: [{ name: 'LC_ALL', value: 'C' }],
      interactiveMode: 'Never',
    };
    await fs.writeFile(file, kubeconfig(`{ exec: ${JSON.stringify(exec)} }`));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('refuses to connect without approval, naming the command and the file, and the command never runs', async () => {
    const asked: KubeCredentialCommand[] = [];
    const refused = await connectEnvironment(STAGING, {
      kubeconfigPaths: [file],
      approveCommand: (command) => {
        asked.push(command);
        return Promise.resolve(false);
      },
    }).then(
      () => assert.fail('connected without approval'),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof DeployError);
    assert.equal(refused.kind, 'not-allowed');
    assert.deepEqual(asked, [{ file, user: 'deployer', command: ['LC_ALL=C', 'sh', ...execArgs].join(' ') }]);
    assert.ok(refused.message.includes(file) && refused.message.includes(`"LC_ALL=C sh -c touch`), refused.message);
    assert.equal(existsSync(marker), false);
  });

  it('connects once approved, and the approved command is what signs the requests in', async () => {
    const { client } = await connectEnvironment(STAGING, { kubeconfigPaths: [file], approveCommand: () => Promise.resolve(true) });
    const options: { headers?: Record<string, string> } = {};
    await client.config.applyToHTTPSOptions(options);
    assert.equal(options.headers?.Authorization, 'Bearer exec-token');
    assert.ok(existsSync(marker), 'the exec plugin ran');
  });

  it("runs the command of the user's own kubeconfig without asking (no approval: KUBECONFIG, --kubeconfig, user settings)", async () => {
    const { client } = await connectEnvironment(STAGING, { kubeconfigPaths: [file] });
    await client.config.applyToHTTPSOptions({});
    assert.ok(existsSync(marker), 'the exec plugin ran');
  });

  it('asks nothing for a user without a command (a token), and names an auth provider cmd-path as the command', async () => {
    await fs.writeFile(file, kubeconfig('{ token: static-token }'));
    await connectEnvironment(STAGING, { kubeconfigPaths: [file], approveCommand: () => assert.fail('asked for a token user') });

    await fs.writeFile(
      file,
      kubeconfig('{ auth-provider: { name: gcp, config: { cmd-path: /usr/bin/gcloud, cmd-args: "config config-helper --format=json" } } }'),
    );
    assert.deepEqual(credentialCommand(await loadKubeConfig({ kubeconfigPaths: [file] }), 'staging'), {
      file,
      user: 'deployer',
      command: '/usr/bin/gcloud config config-helper --format=json',
    });
  });
});
