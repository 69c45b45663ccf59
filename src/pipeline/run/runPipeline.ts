// The engine: runs a folder's stages in order, stops the belt at the first failure, keeps a bounded log,
// turns output and reports into problems and test results, records the run and marks a clean, fully
// passing commit ready for release. Shared by the extension and `conveyor pipeline run`.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readWorkingTree, withoutChangesSince } from '../../code/workingTree';
import type { WorkingTreeState } from '../../code/workingTree';
import { LineSplitter, RingBuffer } from '../../core/outputLines';
import { foldersHolding, isFile } from '../../core/fsUtil';
import { goModuleFiles, goModulesAt } from '../../core/goModules';
import { runProcess } from '../../core/processRunner';
import type { ProcessResult } from '../../core/processRunner';
import type { PipelineDefinition } from '../pipelineDefinition';
import { StageProblems, type Problem } from '../problem';
import type { StageDefinition } from '../stageDefinition';
import { startStageMatcher } from '../stageMatcher';
import { plannedStages } from './plannedStages';
import type { PlannedStage } from './plannedStages';
import { isStageFailure } from './pipelineRun';
import type { PipelineRun, PipelineRunListener, RunScope, StageRun } from './pipelineRun';
import type { RunHistory } from './runHistory';
import { RunLog } from './runLog';
import { runSecurityStage } from './securityStage';
import { readStageTests } from './stageTests';
import { formatDuration } from '../../core/formatDuration';

export interface PipelineRunRequest {
  folder: string;
  definition: PipelineDefinition;
  history: RunHistory;
  trigger: PipelineRun['trigger'];
  scope?: RunScope;
  /** For scope `stage`: the stages to run. */
  stageNames?: string[];
  /** For scope `failed`: the run whose failed stage (and the ones after it) run again. */
  previous?: PipelineRun;
  signal?: AbortSignal;
  listener?: PipelineRunListener;
  /** Ask tools for coloured output (a terminal shows it; matchers see cleaned lines either way). */
  color?: boolean;
}

const LAST_LINES = 10;
const MAX_PROBLEMS_PER_STAGE = 500;

export async function runPipeline(request: PipelineRunRequest): Promise<PipelineRun> {
  const { folder, history, listener } = request;
  const scope = request.scope ?? 'all';
  const planned = plannedStages(request.definition);
  const id = newRunId();
  const run: PipelineRun = {
    id,
    folder,
    scope,
    trigger: request.trigger,
    startedAt: new Date().toISOString(),
    result: 'running',
    stages: planned.map((s) => ({
      name: s.name,
      command: describeStage(s),
      status: 'pending',
      lastLines: [],
      outputLineCount: 0,
      problems: [],
    })),
    readyForRelease: false,
    logFile: history.logFileFor(id),
  };
  const selected = selectStages(run, planned, request);
  const log = new RunLog(run.logFile);
  // What the run builds is read while the first stage's process starts, not before it: `git status` took 115 ms in a
  // repository of 75,000 files. The run is announced (its heading, runStarted) once the tree is read, and the stage's
  // output is read after that. Files the first stage wrote meanwhile are not the tree's changes.
  let before: WorkingTreeState | undefined;
  let announced: Promise<void> | undefined;
  const announceRun = (firstProcessStartedAt?: number) =>
    (announced ??= readWorkingTree(folder)
      .then((tree) => (tree && firstProcessStartedAt !== undefined ? withoutChangesSince(tree, folder, firstProcessStartedAt) : tree))
      .then(undefined, () => undefined)
      .then((tree) => {
        before = tree;
        Object.assign(run, { commit: tree?.commit, branch: tree?.branch, dirty: tree?.dirty });
        log.heading(
          `Conveyor pipeline run ${id} in ${folder} — ${run.branch ?? 'no branch'} at ${run.commit?.slice(0, 12) ?? 'no commit'}${run.dirty ? ' (uncommitted changes)' : ''}`,
        );
        listener?.runStarted?.(run);
      }));

  let belt: 'moving' | 'stopped' = 'moving';
  for (const [index, stage] of run.stages.entries()) {
    if (!selected.has(stage.name)) continue;
    if (belt === 'stopped' || request.signal?.aborted) {
      stage.status = 'skipped';
      stage.summary = request.signal?.aborted ? 'not run: the run was stopped' : 'not run: an earlier stage failed';
      continue;
    }
    await runStage(run, stage, planned[index], request, log, announceRun);
    if (stage.status !== 'passed') belt = 'stopped';
  }
  await announceRun(); // when no stage ran

  run.finishedAt = new Date().toISOString();
  run.durationMs = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  run.result = request.signal?.aborted ? 'cancelled' : run.stages.some((s) => isStageFailure(s.status)) ? 'failed' : 'passed';
  if (run.result === 'passed') await decideReadiness(run, before, request);
  log.heading(
    `Run ${run.result} in ${formatDuration(run.durationMs)}${run.readyForRelease ? ` — ${run.commit?.slice(0, 12)} is ready for release` : run.notReadyReason ? ` — not marked ready: ${run.notReadyReason}` : ''}`,
  );
  // The log's last write and the record touch different files: neither waits for the other.
  await Promise.all([log.close(), history.record(run)]);
  if (run.readyForRelease && run.commit) await history.markReady(run.commit, run.id);
  listener?.runFinished?.(run);
  return run;
}

function selectStages(run: PipelineRun, planned: PlannedStage[], request: PipelineRunRequest): Set<string> {
  const all = planned.map((s) => s.name);
  if (request.scope === 'stage') {
    const wanted = new Set(request.stageNames ?? []);
    for (const stage of run.stages)
      if (!wanted.has(stage.name)) Object.assign(stage, { status: 'skipped', summary: 'not part of this run' });
    return wanted;
  }
  if (request.scope === 'failed' && request.previous) {
    // Stages that passed before the first failure carry over; the failed one and everything after it run.
    const previous = new Map(request.previous.stages.map((s) => [s.name, s]));
    const firstToRun = all.findIndex((name) => previous.get(name)?.status !== 'passed');
    const carried = firstToRun === -1 ? [] : all.slice(0, firstToRun);
    for (const stage of run.stages) {
      const earlier = previous.get(stage.name);
      if (carried.includes(stage.name) && earlier) {
        Object.assign(stage, {
          ...earlier,
          carriedFromRun: earlier.carriedFromRun ?? request.previous.id,
          summary: 'passed in the previous run',
        });
      }
    }
    return new Set(firstToRun === -1 ? all : all.slice(firstToRun));
  }
  return new Set(all);
}

async function runStage(
  run: PipelineRun,
  stage: StageRun,
  planned: PlannedStage,
  request: PipelineRunRequest,
  log: RunLog,
  /** Reads the tree and announces the run, once; the first stage's process (started then) does not wait for it. */
  announceRun: (firstProcessStartedAt?: number) => Promise<void>,
): Promise<void> {
  const { folder, listener } = request;
  const startedAt = Date.now();
  stage.status = 'running';
  stage.startedAt = new Date(startedAt).toISOString();
  const announceStage = async (processStartedAt?: number) => {
    await announceRun(processStartedAt);
    listener?.stageStarted?.(run, stage);
    log.heading(`${stage.name}: ${stage.command}`);
  };

  const cwd = planned.kind === 'command' ? path.resolve(folder, planned.definition.cwd ?? '.') : folder;
  const lastLines = new RingBuffer<string>(LAST_LINES);
  const problems = new StageProblems(MAX_PROBLEMS_PER_STAGE);
  const testFailures: Problem[] = [];
  const matcher = startStageMatcher(
    planned.kind === 'command' ? planned.definition.problemMatcher : 'none',
    cwd,
    stage.name,
    (problem) => problems.add(problem),
    { signal: request.signal },
  );
  const onLine = (line: string) => {
    stage.outputLineCount++;
    lastLines.push(line);
    log.line(line);
    matcher.push(line);
    listener?.line?.(stage, line);
  };

  if (planned.kind === 'security') {
    await announceStage();
    const outcome = await runSecurityStage(folder, { signal: request.signal, line: onLine });
    for (const problem of outcome.problems) problems.add(problem);
    stage.status = request.signal?.aborted ? 'cancelled' : outcome.passed ? 'passed' : 'failed';
    stage.summary = outcome.summary;
  } else {
    // One splitter per stream: a line of stderr must not join a stdout line that has no newline yet, and a
    // character's bytes split across chunks of one stream must not meet the other's.
    const splitters = { stdout: new LineSplitter(onLine), stderr: new LineSplitter(onLine) };
    const handle = (chunk: Buffer, stream: 'stdout' | 'stderr') => {
      listener?.output?.(stage, chunk);
      splitters[stream].push(chunk);
    };
    // The process starts first, then the tree is read (git's process must not delay the stage's); what the stage
    // prints is read once the stage is announced.
    let releaseOutput!: () => void;
    const outputHeld = new Promise<void>((resolve) => (releaseOutput = resolve));
    const stopped = new AbortController();
    let processStarted!: () => void;
    const running = new Promise<void>((resolve) => (processStarted = resolve));
    const finished = runCommandStage(
      planned.definition,
      cwd,
      { ...request, signal: anySignal(request.signal, stopped.signal) },
      handle,
      outputHeld,
      processStarted,
    );
    try {
      // git's start waits for the stage's: the launcher starts it without this process's fork, which git's
      // (from simple-git) is, and which took 15 ms in a process of an extension host's size.
      await Promise.race([running, finished]);
      await announceStage(startedAt);
    } catch (error) {
      // A listener failed (the caller's bug): the run ends with it, and so does the process it started.
      stopped.abort();
      releaseOutput();
      await finished;
      throw error;
    }
    releaseOutput();
    const result = await finished;
    splitters.stdout.end();
    splitters.stderr.end();
    const matcherNote = await matcher.finish();
    if (matcherNote) {
      log.line(matcherNote);
      listener?.line?.(stage, matcherNote);
    }
    const outcome = outcomeOf(result, planned.definition, cwd, lastLines.toArray());
    Object.assign(stage, outcome);
    const tests = await readStageTests(planned.definition, folder, startedAt, outcome.status === 'passed');
    if (tests) {
      stage.tests = tests;
      for (const failure of tests.failures) {
        if (failure.location)
          testFailures.push({
            ...failure.location,
            column: failure.location.column ?? 1,
            severity: 'error',
            message: `${failure.name}: ${failure.message ?? 'failed'}`,
            source: `${stage.name} (tests)`,
          });
      }
    }
  }
  const fromOutput = [...(await inJavaModules(await inGoPackageFolders(problems.found, cwd), cwd))];
  const outputCount = problems.found.length;
  // A failed test that both the output and the report name (Surefire, go test) is one problem: the output's error,
  // which also says the exception's type (a warning at that line does not hide the failure). Compared once the
  // output's files are found (a module, a Go package).
  const atLines = new Set(fromOutput.filter((p) => p.severity === 'error').map((p) => `${p.file}:${p.line}`));
  for (const failure of testFailures) if (!atLines.has(`${failure.file}:${failure.line}`)) problems.add(failure);
  stage.problems = await existingFilesOnly([...fromOutput, ...problems.found.slice(outputCount)]);
  if (problems.dropped > 0) stage.droppedProblems = problems.dropped;
  stage.lastLines = lastLines.toArray();
  stage.durationMs = Date.now() - startedAt;
  log.heading(`${stage.name} ${stage.status} in ${formatDuration(stage.durationMs)}${stage.summary ? ` (${stage.summary})` : ''}`);
  listener?.stageFinished?.(run, stage);
}

async function runCommandStage(
  definition: StageDefinition,
  cwd: string,
  request: PipelineRunRequest,
  onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void,
  holdOutput: Promise<void>,
  onStarted: () => void,
): Promise<ProcessResult> {
  const color: Record<string, string> = request.color ? { FORCE_COLOR: '1', CLICOLOR_FORCE: '1' } : { NO_COLOR: '1' };
  // Started at once (the caller reads the tree meanwhile); a missing folder is told apart once the start failed.
  const result = await runProcess(
    { command: '/bin/sh', args: ['-c', definition.run], cwd, env: { ...color, CONVEYOR_PIPELINE: '1', ...definition.env } },
    {
      timeoutMs: definition.timeoutSeconds ? definition.timeoutSeconds * 1000 : undefined,
      signal: request.signal,
      onOutput,
      holdOutput,
      onStarted,
    },
  );
  if (!result.spawnError) return result;
  const found = await fs.stat(cwd).catch(() => undefined);
  if (!found) return { ...result, spawnError: `working directory not found: ${cwd}` };
  if (!found.isDirectory()) return { ...result, spawnError: `working directory is not a folder: ${cwd}` };
  return result;
}

function outcomeOf(
  result: ProcessResult,
  definition: StageDefinition,
  cwd: string,
  lastLines: string[],
): Pick<StageRun, 'status' | 'exitCode' | 'summary'> {
  if (result.spawnError) return { status: 'failed', exitCode: null, summary: result.spawnError };
  if (result.timedOut)
    return {
      status: 'timed-out',
      exitCode: result.exitCode,
      summary: `timed out after ${formatDuration((definition.timeoutSeconds ?? 0) * 1000)}; the stage and every process it started were stopped`,
    };
  if (result.cancelled) return { status: 'cancelled', exitCode: result.exitCode, summary: 'stopped' };
  if (result.exitCode === 0) return { status: 'passed', exitCode: 0 };
  if (result.exitCode === 127) {
    const missing = lastLines.map((l) => /([^\s:]+): (?:command )?not found/.exec(l)?.[1]).find(Boolean) ?? definition.run.split(/\s+/)[0];
    return { status: 'failed', exitCode: 127, summary: `command not found: ${missing} (in ${cwd})` };
  }
  if (result.exitCode === null) return { status: 'failed', exitCode: null, summary: `killed by ${result.signal ?? 'a signal'}` };
  return { status: 'failed', exitCode: result.exitCode, summary: `exit code ${result.exitCode}` };
}

/** Output mentions paths that are not files (URLs, stack frames of other machines): keep real files only. */
async function existingFilesOnly(problems: Problem[]): Promise<Problem[]> {
  const files = [...new Set(problems.map((p) => p.file))];
  const found = new Set((await Promise.all(files.map(async (f) => ((await isFile(f)) ? f : undefined)))).filter(Boolean));
  return problems.filter((p) => found.has(p.file));
}

/**
 * go test names a failure's file by its package's import path (`example.com/shop/internal/cart/cart_test.go`,
 * problemMatchers.ts): go.mod says which folder that is. Go modules are looked for only when such a file is missing.
 */
async function inGoPackageFolders(problems: Problem[], cwd: string): Promise<Problem[]> {
  const missing = await Promise.all(problems.map(async (p) => p.file.endsWith('.go') && !(await isFile(p.file))));
  if (!missing.includes(true)) return problems;
  const modules = await goModulesAt([cwd]);
  return Promise.all(
    problems.map(async (problem, i) => {
      if (!missing[i]) return problem;
      const importPath = path.relative(cwd, problem.file).split(path.sep).join('/');
      for (const candidate of goModuleFiles(importPath, modules)) if (await isFile(candidate)) return { ...problem, file: candidate };
      return problem;
    }),
  );
}

/**
 * Surefire names a failed test by its class, not its module: the matcher puts it under the stage's folder
 * (`src/test/java/shop/CartTest.java`), and in a build of several modules it is in one of them
 * (`core/src/test/java/…`). Modules (folders with a pom.xml or a Gradle build, two levels down at most) are
 * looked for only when such a file is missing.
 */
async function inJavaModules(problems: Problem[], cwd: string): Promise<Problem[]> {
  const relativeSource = (file: string) => {
    const relative = path.relative(cwd, file);
    return /^src[\\/](?:test|main)[\\/](?:java|kotlin|groovy|scala)[\\/]/.test(relative) ? relative : undefined;
  };
  const missing = await Promise.all(problems.map(async (p) => relativeSource(p.file) !== undefined && !(await isFile(p.file))));
  if (!missing.includes(true)) return problems;
  const modules = await foldersHolding([cwd], JAVA_BUILD_FILES, { maxDepth: 2, maxFolders: 300, skipped: NOT_JAVA_MODULES });
  return Promise.all(
    problems.map(async (problem, i) => {
      if (!missing[i]) return problem;
      for (const module of modules) {
        const candidate = path.join(module, relativeSource(problem.file)!);
        if (await isFile(candidate)) return { ...problem, file: candidate };
      }
      return problem;
    }),
  );
}

const JAVA_BUILD_FILES = ['pom.xml', 'build.gradle', 'build.gradle.kts'];
/** Where build outputs go (a copy of the sources may be there), never a module. */
const NOT_JAVA_MODULES = new Set(['node_modules', 'target', 'build']);

async function decideReadiness(run: PipelineRun, before: WorkingTreeState | undefined, request: PipelineRunRequest): Promise<void> {
  const reason = await notReadyReason(run, before, request);
  run.readyForRelease = reason === undefined;
  run.notReadyReason = reason;
}

async function notReadyReason(
  run: PipelineRun,
  before: WorkingTreeState | undefined,
  request: PipelineRunRequest,
): Promise<string | undefined> {
  if (!before?.commit) return 'the folder is not a git repository with a commit';
  if (run.stages.some((s) => s.status !== 'passed')) return 'not every stage ran in this run';
  if (before.dirty)
    return `the working tree had uncommitted changes (${before.changes.slice(0, 3).join(', ')}${before.changes.length > 3 ? ', …' : ''})`;
  if (request.scope === 'failed' && !(await carriedStagesPassedOn(run, before.commit, request)))
    return 'the stages carried over passed on a different tree';
  const after = await readWorkingTree(run.folder).catch(() => undefined);
  if (after?.commit !== before.commit) return 'HEAD moved during the run';
  if (after.dirty)
    return `the stages changed files in the working tree (${after.changes.slice(0, 3).join(', ')}); ignore build outputs in .gitignore`;
  return undefined;
}

/**
 * Whether every stage carried into this run passed on a clean tree at `commit`. A stage carried by the previous
 * run was carried from an older one, so each stage is checked against the run it really ran in.
 */
async function carriedStagesPassedOn(run: PipelineRun, commit: string, request: PipelineRunRequest): Promise<boolean> {
  const origins = new Set(run.stages.flatMap((s) => (s.carriedFromRun ? [s.carriedFromRun] : [])));
  if (origins.size === 0) return true;
  const known = new Map((await request.history.runs()).map((r) => [r.id, r]));
  if (request.previous) known.set(request.previous.id, request.previous);
  return [...origins].every((id) => known.get(id)?.commit === commit && known.get(id)?.dirty === false);
}

function describeStage(stage: PlannedStage): string {
  return stage.kind === 'command' ? stage.definition.run : 'secret scan of tracked files and dependency audit (built in)';
}

/** Aborted when either is. */
function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((signal) => signal !== undefined));
}

function newRunId(): string {
  const now = new Date();
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}
