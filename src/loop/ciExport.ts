// Export Pipeline to CI: a GitHub Actions workflow and a Jenkinsfile that run exactly what the editor runs,
// through the CLI: `pipeline run` on every push, and `ship` (pipeline → release → environments) on the
// default branch when delivery is configured. The CLI goes into the repository as one file
// (`.conveyor/bin/conveyor.js`, as Yarn commits its release), so CI needs nothing but Node.
import { mkdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from '../core/fsUtil';
import type { FolderStatus } from './folderStatus';
import { deliveryPlan } from './belt/deliveryPlan';
import { singleFileCli } from './singleFileCli';

export const VENDORED_CLI = '.conveyor/bin/conveyor.js';
export const WORKFLOW_FILE = '.github/workflows/conveyor.yml';
export const JENKINSFILE = 'Jenkinsfile';

export interface CiExportInput {
  status: FolderStatus;
  /** The branch that ships (the repository's default branch). */
  defaultBranch: string;
}

export interface CiExport {
  /** Folder relative to the repository root, `.` for the root. */
  folder: string;
  ships: boolean;
  workflow: string;
  jenkinsfile: string;
}

export function ciExport({ status, defaultBranch }: CiExportInput): CiExport {
  const folder = status.git.root ? path.relative(status.git.root, status.folder) || '.' : '.';
  const cli = `node ${VENDORED_CLI}`;
  const target = folder === '.' ? '.' : shellWord(folder);
  const plan = deliveryPlan(status.config.config, status.deploy.environments);
  const ships = status.image !== undefined && plan.steps.length > 0 && plan.problems.length === 0;
  const setup = [
    // Releases read the tags and the commits since the last one.
    { uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } },
    { uses: 'actions/setup-node@v4', with: { 'node-version': 20 } },
  ];
  const jobs: Record<string, unknown> = {
    pipeline: {
      name: 'Pipeline',
      ...(ships ? { if: `github.ref != 'refs/heads/${defaultBranch}'` } : {}),
      'runs-on': 'ubuntu-latest',
      steps: [...setup, { name: 'Run the pipeline', run: `${cli} pipeline run ${target}` }],
    },
  };
  if (ships) {
    jobs.ship = {
      name: 'Ship',
      // The belt runs the pipeline itself as its first station.
      if: `github.ref == 'refs/heads/${defaultBranch}'`,
      'runs-on': 'ubuntu-latest',
      permissions: { contents: 'write' },
      steps: [
        ...setup,
        {
          name: 'Identify the release commits',
          run: 'git config user.name "github-actions[bot]" && git config user.email "41898282+github-actions[bot]@users.noreply.github.com"',
        },
        {
          name: 'Kubeconfig',
          // The runner context is not available in a job's env, so the path goes through GITHUB_ENV.
          run: 'printf "%s" "$KUBECONFIG_DATA" > "$RUNNER_TEMP/kubeconfig" && echo "KUBECONFIG=$RUNNER_TEMP/kubeconfig" >> "$GITHUB_ENV"',
          env: { KUBECONFIG_DATA: '${{ secrets.KUBECONFIG }}' },
        },
        {
          name: 'Registry sign-in',
          run: `echo "$REGISTRY_PASSWORD" | docker login ${shellWord(status.image!.registry.split('/')[0])} --username "$REGISTRY_USERNAME" --password-stdin`,
          env: { REGISTRY_USERNAME: '${{ secrets.REGISTRY_USERNAME }}', REGISTRY_PASSWORD: '${{ secrets.REGISTRY_PASSWORD }}' },
        },
        // Environments that confirm (production) are not promoted here: the belt stops before them.
        { name: 'Ship', run: `${cli} ship ${target} --push` },
      ],
    };
  }
  const workflow = `# Written by Conveyor (Export Pipeline to CI): the same stages as the editor, through the CLI.\n${stringify({ name: 'Conveyor', on: { push: null, workflow_dispatch: null }, jobs }, { lineWidth: 0 })}`;
  return { folder, ships, workflow, jenkinsfile: jenkinsfile(cli, target, defaultBranch, ships) };
}

function jenkinsfile(cli: string, target: string, defaultBranch: string, ships: boolean): string {
  const stage = (name: string, when: string, body: string) =>
    `    stage('${name}') {\n${when ? `      when { ${when} }\n` : ''}      steps {\n        ${body}\n      }\n    }`;
  const stages = [stage('Pipeline', ships ? `not { branch '${defaultBranch}' }` : '', `sh '${cli} pipeline run ${target}'`)];
  if (ships) {
    stages.push(
      stage(
        'Ship',
        `branch '${defaultBranch}'`,
        `withCredentials([file(credentialsId: 'kubeconfig', variable: 'KUBECONFIG')]) {\n          sh '${cli} ship ${target} --push'\n        }`,
      ),
    );
  }
  return `// Written by Conveyor (Export Pipeline to CI): the same stages as the editor, through the CLI.\npipeline {\n  agent any\n  stages {\n${stages.join('\n')}\n  }\n}\n`;
}

export interface WrittenCiFiles {
  written: string[];
  /** Files that were there and were left alone (write again with overwrite). */
  kept: string[];
}

/** Writes the workflow, the Jenkinsfile and the CLI under the repository root; existing files are kept unless `overwrite`. */
export async function writeCiExport(root: string, exported: CiExport, cliBundle: string, overwrite = false): Promise<WrittenCiFiles> {
  const result: WrittenCiFiles = { written: [], kept: [] };
  const files: [string, () => Promise<void>][] = [
    [WORKFLOW_FILE, () => writeFileAtomic(path.join(root, WORKFLOW_FILE), exported.workflow)],
    [JENKINSFILE, () => writeFileAtomic(path.join(root, JENKINSFILE), exported.jenkinsfile)],
    [VENDORED_CLI, async () => writeFileAtomic(path.join(root, VENDORED_CLI), await singleFileCli(cliBundle))],
  ];
  for (const [relative, write] of files) {
    const exists = await stat(path.join(root, relative)).then(
      () => true,
      () => false,
    );
    // The CLI is Conveyor's own file: always brought up to date.
    if (exists && !overwrite && relative !== VENDORED_CLI) {
      result.kept.push(relative);
      continue;
    }
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await write();
    result.written.push(relative);
  }
  return result;
}

function shellWord(value: string): string {
  return /^[\w./:@-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
