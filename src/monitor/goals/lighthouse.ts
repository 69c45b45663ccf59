// A lighthouse goal: Lighthouse runs in a child process of its own (it drives a Chromium and needs a few
// hundred MB; the extension host must not carry it), writes its JSON report to a temporary file, and we
// read four numbers out of it. Command described as data, report parsed by a pure function, run separately.
//
// Which Lighthouse: a configured CLI path; else `lighthouse` installed in the workspace or next to the
// extension (resolved from those folders); else `npx --yes lighthouse@12.2.3`, which downloads it on first
// use. 12.2.3 is pinned because Lighthouse 13 needs Node 22 and the extension host runs Node 20.
import { existsSync, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GoalConfig } from '../../core/config/conveyorConfig';
import { runProcess, type CommandSpec } from '../../core/processRunner';

export const LIGHTHOUSE_VERSION = '12.2.3';
export const DEFAULT_LIGHTHOUSE_TIMEOUT_MS = 120_000;
const CHROME_FLAGS = '--headless=new --no-sandbox --disable-gpu';

/**
 * Where Chrome, Chromium and Edge (Chromium too, and what every Windows machine has) install themselves, in the
 * order they are tried. Lighthouse's own launcher would look too, but only for Chrome, and its "No Chrome
 * installations found" comes after a minute of npx; finding it here lets the goal say what is missing at once.
 */
function knownChromiumPaths(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform === 'darwin') {
    const apps = [
      'Google Chrome.app/Contents/MacOS/Google Chrome',
      'Chromium.app/Contents/MacOS/Chromium',
      'Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
    ];
    return [...apps.map((app) => `/Applications/${app}`), ...(env.HOME ? apps.map((app) => `${env.HOME}/Applications/${app}`) : [])];
  }
  if (platform === 'win32') {
    const roots = [env.LOCALAPPDATA, env.PROGRAMFILES, env['PROGRAMFILES(X86)']].filter((root): root is string => Boolean(root));
    const apps = [
      'Google\\Chrome\\Application\\chrome.exe',
      'Chromium\\Application\\chrome.exe',
      'Microsoft\\Edge\\Application\\msedge.exe',
    ];
    return apps.flatMap((app) => roots.map((root) => `${root}\\${app}`));
  }
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/snap/bin/chromium',
    '/usr/bin/microsoft-edge',
  ];
}

export interface LighthouseCli {
  command: string;
  args: string[];
  /** Where it came from, for the log ("npx" means a download on first use). */
  source: 'configured' | 'installed' | 'npx';
}

export interface LighthouseMetrics {
  /** Performance category score, 0–100. */
  performance: number;
  lcpMs: number;
  tbtMs: number;
  cls: number;
  lighthouseVersion: string;
}

export interface LighthouseOptions {
  /** A Lighthouse CLI (`…/cli/index.js` or an executable); see the file comment for the fallbacks. */
  cliPath?: string;
  /** Folders whose node_modules may hold lighthouse: the workspace folder, the extension's folder. */
  searchDirs?: string[];
  /** Chromium to drive; default `CHROME_PATH`, then the usual system paths. */
  chromePath?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export function resolveLighthouseCli(cliPath: string | undefined, searchDirs: readonly string[]): LighthouseCli {
  if (cliPath) return cliPath.endsWith('.js') ? nodeScript(cliPath, 'configured') : { command: cliPath, args: [], source: 'configured' };
  for (const dir of searchDirs) {
    try {
      return nodeScript(createRequire(path.join(dir, 'package.json')).resolve('lighthouse/cli/index.js'), 'installed');
    } catch {
      // Not installed there; try the next folder.
    }
  }
  return { command: 'npx', args: ['--yes', `lighthouse@${LIGHTHOUSE_VERSION}`], source: 'npx' };
}

/** Inside VS Code `process.execPath` is Electron; ELECTRON_RUN_AS_NODE (set by lighthouseCommand) makes it Node. */
function nodeScript(script: string, source: LighthouseCli['source']): LighthouseCli {
  return { command: process.execPath, args: [script], source };
}

/** The Chromium a goal drives: the configured one, else CHROME_PATH, else the first installed one of this platform. */
export function findChromium(
  configured?: string,
  system: { platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv; exists?: (file: string) => boolean } = {},
): string | undefined {
  const env = system.env ?? process.env;
  const exists = system.exists ?? existsSync;
  return configured ?? env.CHROME_PATH ?? knownChromiumPaths(system.platform ?? process.platform, env).find((file) => exists(file));
}

export function lighthouseCommand(
  url: string,
  cli: LighthouseCli,
  outputPath: string,
  chromePath: string | undefined,
  cwd: string,
): CommandSpec {
  return {
    command: cli.command,
    args: [
      ...cli.args,
      url,
      '--output=json',
      `--output-path=${outputPath}`,
      '--only-categories=performance',
      '--quiet',
      `--chrome-flags=${CHROME_FLAGS}`,
    ],
    cwd,
    // Temporary files in the run's folder, which is removed after the run: chrome-launcher makes Chromium's profile
    // folder under TMPDIR (TEMP on Windows) and removes it itself only when Lighthouse ends on its own, not when a
    // timeout or Stop kills it.
    env: { ELECTRON_RUN_AS_NODE: '1', TMPDIR: cwd, TMP: cwd, TEMP: cwd, ...(chromePath ? { CHROME_PATH: chromePath } : {}) },
  };
}

interface LighthouseReportShape {
  lighthouseVersion?: string;
  runtimeError?: { code?: string; message?: string };
  categories?: { performance?: { score?: number | null } };
  audits?: Record<string, { numericValue?: number } | undefined>;
}

/** The metrics of a Lighthouse JSON report; throws a one-sentence Error for a runtime error or missing numbers. */
export function parseLighthouseReport(raw: unknown, url: string): LighthouseMetrics {
  const report = raw as LighthouseReportShape | null;
  if (!report || typeof report !== 'object' || !report.audits) throw new Error('Lighthouse wrote a report without audits.');
  if (report.runtimeError?.code) throw new Error(runtimeErrorSentence(report.runtimeError.code, report.runtimeError.message, url));
  const score = report.categories?.performance?.score;
  const numeric = (audit: string) => report.audits?.[audit]?.numericValue;
  const lcp = numeric('largest-contentful-paint');
  const tbt = numeric('total-blocking-time');
  const cls = numeric('cumulative-layout-shift');
  if (typeof score !== 'number' || lcp === undefined || tbt === undefined || cls === undefined) {
    throw new Error(`Lighthouse could not measure the performance of ${url} (no score in the report).`);
  }
  return {
    performance: Math.round(score * 100),
    lcpMs: Math.round(lcp),
    tbtMs: Math.round(tbt),
    cls,
    lighthouseVersion: report.lighthouseVersion ?? 'unknown',
  };
}

const PAGE_LOAD_CODES = new Set([
  'FAILED_DOCUMENT_REQUEST',
  'ERRORED_DOCUMENT_REQUEST',
  'CHROME_INTERSTITIAL_ERROR',
  'DNS_FAILURE',
  'INSECURE_DOCUMENT_REQUEST',
  'PAGE_HUNG',
  'NO_FCP',
  'NOT_HTML',
]);

function runtimeErrorSentence(code: string, message: string | undefined, url: string): string {
  const detail = message ? `: ${message.split(/(?<=\.)\s/)[0].replace(/\.$/, '')}` : '';
  return PAGE_LOAD_CODES.has(code)
    ? `Lighthouse could not load ${url} (${code})${detail}.`
    : `Lighthouse failed on ${url} with ${code}${detail}.`;
}

/** Why a run produced no report, from its stderr. */
export function explainLighthouseFailure(stderr: string, exitCode: number | null, chromePath: string | undefined): string {
  if (/No Chrome installations found|Unable to connect to Chrome|ERR_LAUNCHER/i.test(stderr)) {
    return `Lighthouse could not start Chromium${chromePath ? ` at ${chromePath}` : ''}; install chromium or set CHROME_PATH.`;
  }
  const runtime = /Runtime error encountered: (.*)/.exec(stderr);
  if (runtime) return `Lighthouse failed: ${runtime[1].trim()}`;
  const lastLine = stderr.trim().split('\n').filter(Boolean).at(-1);
  return `Lighthouse exited with code ${exitCode ?? 'none'}${lastLine ? `: ${lastLine.slice(0, 300)}` : ''}.`;
}

/** Runs Lighthouse once against `url` and returns its metrics; throws an Error whose message is one sentence. */
export async function runLighthouse(url: string, options: LighthouseOptions = {}): Promise<LighthouseMetrics> {
  const chromePath = findChromium(options.chromePath);
  if (chromePath && !existsSync(chromePath))
    throw new Error(`Chromium was not found at ${chromePath}; install chromium or set CHROME_PATH.`);
  if (!chromePath) throw new Error('Chromium was not found; install Chromium, Google Chrome or Microsoft Edge, or set CHROME_PATH to one.');
  const cli = resolveLighthouseCli(options.cliPath, options.searchDirs ?? []);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'conveyor-lighthouse-'));
  const output = path.join(dir, 'report.json');
  const timeoutMs = options.timeoutMs ?? DEFAULT_LIGHTHOUSE_TIMEOUT_MS;
  let stderr = '';
  try {
    const result = await runProcess(lighthouseCommand(url, cli, output, chromePath, dir), {
      timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      killGraceMs: 1000,
      // Chromium's profile and the report: a window closed mid-run ends the host before the finally below.
      workFolder: dir,
      // Only the end of stderr matters for the error sentence; keep it bounded.
      onOutput: (chunk, stream) => {
        if (stream === 'stderr') stderr = (stderr + chunk.toString('utf8')).slice(-8192);
      },
    });
    if (result.timedOut) throw new Error(`Lighthouse did not finish within ${timeoutMs / 1000} s and was stopped.`);
    if (result.cancelled) throw new Error('Lighthouse run cancelled.');
    if (result.spawnError) throw new Error(`Lighthouse could not be started (${cli.command}): ${result.spawnError}.`);
    const text = await fs.readFile(output, 'utf8').catch(() => undefined);
    // Lighthouse writes the report even for a runtime error (and exits 1), and that report says it best.
    if (text !== undefined) return parseLighthouseReport(JSON.parse(text) as unknown, url);
    throw new Error(explainLighthouseFailure(stderr, result.exitCode, chromePath));
  } finally {
    // Chromium may still be writing its profile here just after it was stopped: retried, and never in place of the
    // run's own outcome.
    await fs.rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
  }
}

/** The number a lighthouse goal tracks (performance unless the goal says otherwise). */
export function lighthouseMetricValue(metrics: LighthouseMetrics, metric: GoalConfig['metric']): number {
  switch (metric ?? 'performance') {
    case 'lcp':
      return metrics.lcpMs;
    case 'tbt':
      return metrics.tbtMs;
    case 'cls':
      return metrics.cls;
    default:
      return metrics.performance;
  }
}
