import * as path from 'node:path';
import { open } from 'node:fs/promises';
import { parseJUnit } from './junitReport';
import { parseTap } from './tapReport';
import { displayPath } from './sourceLocation';
import type { TestReport } from './testReport';

export type TestReportKind = 'junit' | 'tap';

/** Reports above this are almost always a reporter gone wrong (e.g. logging every frame); reading one would stall the extension host. */
export const MAX_REPORT_BYTES = 50 * 1024 * 1024;

const KIND_LABEL: Record<TestReportKind, string> = { junit: 'JUnit', tap: 'TAP' };

/**
 * Reads the report a stage wrote, `reportPath` being relative to the workspace folder or absolute. `stageFolder`, the
 * stage's working directory, is the module of a JVM report written outside `target` and `build`.
 */
export async function readTestReport(kind: TestReportKind, reportPath: string, folder: string, stageFolder = folder): Promise<TestReport> {
  const file = path.resolve(folder, reportPath);
  const text = await readReportText(kind, file, folder);
  return kind === 'junit' ? parseJUnit(text, file, folder, stageFolder) : parseTap(text, file, folder);
}

async function readReportText(kind: TestReportKind, file: string, folder: string): Promise<string> {
  const label = KIND_LABEL[kind];
  const shownFile = displayPath(file, folder);
  const handle = await open(file, 'r').catch((error: unknown) => {
    throw isMissing(error)
      ? new Error(
          `The stage did not write its ${label} report at ${shownFile}. Check the stage's \`${kind}\` path and that its test command writes the report there.`,
        )
      : error;
  });
  try {
    // Checking the open handle, not the path, so the size checked is the size of the file read.
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new Error(`The ${label} report path ${shownFile} is not a file.`);
    }
    if (stats.size > MAX_REPORT_BYTES) {
      throw new Error(
        `The ${label} report ${shownFile} is ${megabytes(stats.size)} MB; Conveyor reads reports up to ${megabytes(MAX_REPORT_BYTES)} MB. Make the reporter leave out console output or split the run.`,
      );
    }
    const text = await handle.readFile({ encoding: 'utf8' });
    // Some Windows tools start their reports with a byte-order mark, which XML and TAP parsers reject.
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  } finally {
    await handle.close();
  }
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR');
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '');
}
