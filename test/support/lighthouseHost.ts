// A stand-in for the extension host in the goals' tests: runs Lighthouse on the page given (with the Chromium
// given) through runLighthouse, with the repository's Lighthouse, until the test kills it.
import { runLighthouse } from '../../src/monitor/goals/lighthouse';

const [url, chromePath] = process.argv.slice(2);
void runLighthouse(url, { searchDirs: [process.cwd()], chromePath, timeoutMs: 600_000 }).catch(() => undefined);
