// JVM stack frames as Surefire, Gradle and their reports print them: `at shop.CartTest.total(CartTest.java:11)`.
// A frame names the class and the file's name, not its folder: a test's file is found where Maven and Gradle keep
// test sources, by its package. Shared by the Surefire output matcher, the JUnit report reader and the stage's tests.
import * as path from 'node:path';

export interface JvmFrame {
  /** `shop.CartTest$Empty`: the package, the class, and a nested or anonymous class after `$`. */
  className: string;
  /** `CartTest.java` */
  file: string;
  line: number;
}

// A class loader's and a module's name may come first (`app//shop.CartTest…` from Gradle's test workers since Java 9,
// `core@1.0/shop.…`), and a method's name may hold spaces (Kotlin's backquoted test names, Spock's features).
const FRAME = /^\s*at\s+(?:[^\s/()]*\/){0,2}((?:[\w$]+\.)*[\w$]+)\.([^()]+)\(([\w$-]+\.(?:java|kt|groovy|scala)):(\d+)\)\s*$/;
const SOURCE_FOLDER: Record<string, string> = { '.java': 'java', '.kt': 'kotlin', '.groovy': 'groovy', '.scala': 'scala' };

export function parseJvmFrame(line: string): JvmFrame | undefined {
  const frame = line.includes('at ') ? FRAME.exec(line) : undefined;
  return frame ? { className: frame[1], file: frame[3], line: Number(frame[4]) } : undefined;
}

/** Whether the frame is in the test class's file: its nested (`CartTest$Empty`) and anonymous (`CartTest$1`) classes are. */
export function isFrameOf(frame: JvmFrame, testClass: string): boolean {
  return frame.className.split('$')[0] === testClass.split('$')[0];
}

/** The frame's file below its module, where Maven and Gradle keep test sources: `src/test/java/shop/CartTest.java`. */
export function testSourcePath(frame: JvmFrame): string {
  const packageFolders = frame.className.split('$')[0].split('.').slice(0, -1);
  return path.join('src', 'test', SOURCE_FOLDER[path.extname(frame.file)], ...packageFolders, frame.file);
}

// Where Maven (Surefire, Failsafe), sbt and Gradle write their reports, below the module they ran in.
const REPORT_FOLDER = /[\\/](?:target[\\/](?:surefire-reports|failsafe-reports|test-reports)|build[\\/]test-results)(?:[\\/]|$)/g;

/**
 * The module a Surefire, sbt or Gradle report belongs to: the folder above its `target` or `build` (the last in the
 * path); undefined for a report written elsewhere (the caller takes the stage's folder).
 */
export function moduleOfReport(reportFile: string): string | undefined {
  const reportFolder = [...reportFile.matchAll(REPORT_FOLDER)].at(-1);
  return reportFolder ? reportFile.slice(0, reportFolder.index) : undefined;
}

/** Where a test class's file may be below its module, one path per JVM language (`src/test/kotlin/shop/CartTest.kt`). */
export function testSourceCandidates(className: string): string[] {
  const parts = className.split('$')[0].split('.');
  const simpleName = parts.pop()!;
  return Object.entries(SOURCE_FOLDER).map(([extension, folder]) =>
    path.join('src', 'test', folder, ...parts, `${simpleName}${extension}`),
  );
}
