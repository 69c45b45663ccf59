// A stand-in for a test run or the demo in the tests of scripts/processEnd: starts a daemon in its own process group
// (as the Kubernetes control plane and code-server are started) and one in its own (as dockerd and the registries
// are), prints their PIDs and waits to be signalled. With `graceful`, it also has a signal handler of its own that
// ends it through process.exit() a little later, as the demo's Ctrl-C handler and Playwright's do.
import * as os from 'node:os';
import * as path from 'node:path';
import { startInBackground } from '../../scripts/docker/background';
import { startProcess } from '../../scripts/kube/processes';

const graceful = process.argv[2] === 'graceful';
const logFile = path.join(os.tmpdir(), `conveyor-service-owner-${process.pid}.log`);
const ownGroup = startProcess('own group', '/bin/sleep', ['60'], { cwd: os.tmpdir(), logFile });
const sameGroup = startInBackground('same group', '/bin/sleep', ['60'], { cwd: os.tmpdir(), logFile });
if (graceful)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => setTimeout(() => process.exit(0), 200));
console.log(`ownGroup ${ownGroup.pid}\nsameGroup ${sameGroup.pid}\nready`);
setInterval(() => undefined, 60_000);
