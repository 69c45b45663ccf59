// The security stage's dependency audit: which command asks the package manager for known
// vulnerabilities, and a pure parser that turns its JSON into problems on package.json.
import * as path from 'node:path';
import { LineCounter, isMap, isPair, isScalar, parseDocument } from 'yaml';
import type { CommandSpec } from '../../core/processRunner';
import { exists } from '../../core/fsUtil';
import type { Problem, ProblemSeverity } from '../problem';
import { isRecord } from '../../core/records';

export type AuditSeverity = 'info' | 'low' | 'moderate' | 'high' | 'critical';

export type AuditCounts = Record<AuditSeverity | 'total', number>;

export interface AuditResult {
  problems: Problem[];
  counts: AuditCounts;
  /** The report's vulnerable packages, for planning fixes (src/pipeline/security/dependencyPatch.ts). */
  vulnerabilities: AuditVulnerability[];
  /** Set when the audit could not run or answer; `problems` is then empty. */
  error?: string;
}

const SEVERITY_ORDER: readonly AuditSeverity[] = ['info', 'low', 'moderate', 'high', 'critical'];
/** package.json's dependency sections, in the order npm prefers them when a package is in several. */
export const DEPENDENCY_SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

/** `npm audit --json` when the folder has an npm lockfile; undefined when there is nothing npm can audit. */
export async function auditCommand(folder: string): Promise<CommandSpec | undefined> {
  const lockfiles = ['package-lock.json', 'npm-shrinkwrap.json'].map((name) => path.join(folder, name));
  for (const lockfile of lockfiles) {
    if (await exists(lockfile)) return { command: 'npm', args: ['audit', '--json'], cwd: folder };
  }
  return undefined;
}

export function auditFails(counts: AuditCounts, failOn: Exclude<AuditSeverity, 'info'> = 'high'): boolean {
  return SEVERITY_ORDER.slice(SEVERITY_ORDER.indexOf(failOn)).some((severity) => counts[severity] > 0);
}

/** Reads npm 7+ `npm audit --json` output (audit report version 2), or the error npm printed instead. */
export function parseNpmAudit(jsonText: string, packageJsonText: string, packageJsonPath: string): AuditResult {
  let report: unknown;
  try {
    report = JSON.parse(jsonText);
  } catch {
    return failed(`npm audit printed something that is not JSON: ${jsonText.trim().slice(0, 200) || '(nothing)'}`);
  }
  if (!isRecord(report)) return failed(`npm audit printed something that is not a report: ${jsonText.trim().slice(0, 200)}`);
  if (!isRecord(report.vulnerabilities)) return failed(describeAuditError(report));
  const vulnerabilities = readVulnerabilities(report.vulnerabilities);
  const positions = dependencyKeyPositions(packageJsonText);
  const problems = [...vulnerabilities.values()].map((vulnerability) =>
    toProblem(vulnerability, vulnerabilities, positions, packageJsonPath),
  );
  return { problems, counts: readCounts(report.metadata, vulnerabilities), vulnerabilities: [...vulnerabilities.values()] };
}

function failed(error: string): AuditResult {
  return { problems: [], counts: emptyCounts(), vulnerabilities: [], error };
}

/** npm prints `{ message, statusCode, … }` when the advisory endpoint fails and `{ error: { code, summary } }` otherwise. */
function describeAuditError(report: Record<string, unknown>): string {
  if (typeof report.message === 'string') {
    return `npm audit could not get advisories: ${report.message}${registryHint(report.statusCode)}`;
  }
  const error = isRecord(report.error) ? report.error : {};
  const summary = [error.code, error.summary, error.detail]
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .join(' ');
  if (summary) return `npm audit failed: ${summary.split('\n')[0]}`;
  if (Array.isArray(report.advisories) || isRecord(report.advisories)) {
    return 'npm audit printed the npm 6 report format; upgrade npm to version 7 or later';
  }
  return `npm audit printed a report without vulnerabilities: ${JSON.stringify(report).slice(0, 200)}`;
}

function registryHint(statusCode: unknown): string {
  if (statusCode === 404 || statusCode === 405 || statusCode === 501) {
    return ' (the registry does not offer npm\'s audit endpoint; set "registry" in .npmrc to one that does)';
  }
  if (typeof statusCode === 'number' && statusCode >= 500) return ' (the registry failed; try again later)';
  if (statusCode === undefined) return ' (check the network and the "registry" setting in .npmrc)';
  return '';
}

export interface AuditVulnerability {
  name: string;
  severity: AuditSeverity;
  isDirect: boolean;
  range: string;
  advisories: Advisory[];
  /** Vulnerable packages this one depends on (npm's string `via` entries). */
  viaPackages: string[];
  /** Vulnerable packages that depend on this one. */
  effects: string[];
  /** Where it is installed: package-lock.json `packages` keys (`node_modules/mkdirp/node_modules/minimist`). */
  nodes: string[];
  fix: AuditFix;
}

export interface Advisory {
  id?: string;
  title: string;
  url?: string;
  severity: AuditSeverity;
  range?: string;
}

/** npm's `fixAvailable`: `npm audit fix` fixes it within the declared ranges, an update of a direct dependency does, or nothing does. */
export type AuditFix = 'npm audit fix' | 'none' | { name: string; version: string; isSemVerMajor: boolean };

function readVulnerabilities(raw: Record<string, unknown>): Map<string, AuditVulnerability> {
  const vulnerabilities = new Map<string, AuditVulnerability>();
  for (const [key, value] of Object.entries(raw)) {
    if (!isRecord(value)) continue;
    const via = Array.isArray(value.via) ? value.via : [];
    vulnerabilities.set(key, {
      name: stringOr(value.name, key),
      severity: severityOr(value.severity, 'info'),
      isDirect: value.isDirect === true,
      range: stringOr(value.range, ''),
      advisories: via.filter(isRecord).map(readAdvisory),
      viaPackages: via.filter((entry): entry is string => typeof entry === 'string'),
      effects: strings(value.effects),
      nodes: strings(value.nodes),
      fix: readFix(value.fixAvailable),
    });
  }
  return vulnerabilities;
}

function readAdvisory(raw: Record<string, unknown>): Advisory {
  const id = typeof raw.source === 'number' || typeof raw.source === 'string' ? String(raw.source) : undefined;
  return {
    id,
    title: stringOr(raw.title, 'vulnerability'),
    url: typeof raw.url === 'string' ? raw.url : undefined,
    severity: severityOr(raw.severity, 'info'),
    range: typeof raw.range === 'string' ? raw.range : undefined,
  };
}

function readFix(raw: unknown): AuditFix {
  if (raw === true) return 'npm audit fix';
  if (isRecord(raw) && typeof raw.name === 'string' && typeof raw.version === 'string') {
    return { name: raw.name, version: raw.version, isSemVerMajor: raw.isSemVerMajor === true };
  }
  return 'none';
}

function readCounts(metadata: unknown, vulnerabilities: Map<string, AuditVulnerability>): AuditCounts {
  const reported = isRecord(metadata) && isRecord(metadata.vulnerabilities) ? metadata.vulnerabilities : undefined;
  const counts = emptyCounts();
  for (const severity of SEVERITY_ORDER) {
    counts[severity] =
      reported && typeof reported[severity] === 'number'
        ? reported[severity]
        : [...vulnerabilities.values()].filter((v) => v.severity === severity).length;
  }
  counts.total = reported && typeof reported.total === 'number' ? reported.total : vulnerabilities.size;
  return counts;
}

function emptyCounts(): AuditCounts {
  return { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0 };
}

interface KeyPosition {
  line: number;
  column: number;
  endColumn: number;
}

function toProblem(
  vulnerability: AuditVulnerability,
  all: Map<string, AuditVulnerability>,
  positions: Map<string, KeyPosition>,
  packageJsonPath: string,
): Problem {
  const direct = vulnerability.isDirect ? vulnerability.name : directDependentOf(vulnerability, all);
  const position = (direct && positions.get(direct)) || { line: 1, column: 1, endColumn: 1 };
  const advisory = vulnerability.advisories[0];
  return {
    file: packageJsonPath,
    line: position.line,
    column: position.column,
    endLine: position.line,
    endColumn: position.endColumn,
    severity: problemSeverity(vulnerability.severity),
    code: advisory?.url ?? advisory?.id ?? vulnerability.severity,
    source: 'npm audit',
    message: describeVulnerability(vulnerability, direct),
  };
}

/** Walks `effects` (the packages that depend on a vulnerable one) up to the nearest direct dependency. */
export function directDependentOf(vulnerability: AuditVulnerability, all: Map<string, AuditVulnerability>): string | undefined {
  const seen = new Set<string>([vulnerability.name]);
  const queue = [...vulnerability.effects];
  // Breadth first, so the nearest direct dependency wins; for…of also visits what is pushed while it runs.
  for (const name of queue) {
    if (seen.has(name)) continue;
    seen.add(name);
    const dependent = all.get(name);
    if (dependent?.isDirect) return name;
    if (dependent) queue.push(...dependent.effects);
  }
  return undefined;
}

function problemSeverity(severity: AuditSeverity): ProblemSeverity {
  if (severity === 'critical' || severity === 'high') return 'error';
  return severity === 'moderate' ? 'warning' : 'info';
}

/** "<name> <range>: <title> (<severity>) <url> — fix: …", naming the direct dependency for a transitive one. */
function describeVulnerability(vulnerability: AuditVulnerability, direct: string | undefined): string {
  const range = vulnerability.range || [...new Set(vulnerability.advisories.map((a) => a.range).filter(Boolean))].join(' || ');
  const pulledIn = direct && direct !== vulnerability.name ? ` (through ${direct})` : '';
  const findings = [
    ...vulnerability.advisories.map((a) => [a.title, `(${a.severity})`, a.url].filter(Boolean).join(' ')),
    ...vulnerability.viaPackages.map((name) => `depends on a vulnerable version of ${name}`),
  ];
  const heading = [vulnerability.name, range].filter(Boolean).join(' ') + pulledIn;
  return `${heading}: ${[...new Set(findings)].join('; ')} — fix: ${describeFix(vulnerability.fix)}`;
}

/** The vulnerable package a finding's message is about: its first word (see describeVulnerability). */
export function auditedPackage(message: string): string {
  return message.split(' ', 1)[0];
}

function describeFix(fix: AuditFix): string {
  if (fix === 'npm audit fix') return 'npm audit fix';
  if (fix === 'none') return 'none available yet';
  return `upgrade ${fix.name} to ${fix.version}${fix.isSemVerMajor ? ' (breaking)' : ''}`;
}

/** Where each dependency's key is written in package.json (JSON is YAML, and the YAML parser keeps positions). */
function dependencyKeyPositions(packageJsonText: string): Map<string, KeyPosition> {
  const positions = new Map<string, KeyPosition>();
  const lineCounter = new LineCounter();
  const document = parseDocument(packageJsonText, { lineCounter, uniqueKeys: false });
  if (!isMap(document.contents)) return positions;
  for (const section of document.contents.items) {
    if (!isScalar(section.key) || !DEPENDENCY_SECTIONS.includes(String(section.key.value)) || !isMap(section.value)) continue;
    for (const dependency of section.value.items) {
      if (!isPair(dependency) || !isScalar(dependency.key) || !dependency.key.range) continue;
      const name = String(dependency.key.value);
      const [start, end] = dependency.key.range;
      const { line, col } = lineCounter.linePos(start);
      if (!positions.has(name)) positions.set(name, { line, column: col, endColumn: col + (end - start) });
    }
  }
  return positions;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function severityOr(value: unknown, fallback: AuditSeverity): AuditSeverity {
  return SEVERITY_ORDER.find((severity) => severity === value) ?? fallback;
}
