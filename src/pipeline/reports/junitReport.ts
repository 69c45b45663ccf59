import * as path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { displayPath, firstFrameInFolder, makeLocation, toAbsolutePath } from './sourceLocation';
import type { SourceLocation } from './sourceLocation';
import { countTests } from './testReport';
import { isFrameOf, moduleOfReport, parseJvmFrame, testSourcePath } from '../jvmFrames';
import type { TestCaseResult, TestCounts, TestReport, TestSuiteResult } from './testReport';
import { isRecord } from '../../core/records';

/** One element of the report, in document order, with its own text (CDATA included) joined. */
interface XmlElement {
  tag: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

interface JUnitContext {
  folder: string;
  /** The module of a JVM report written outside `target` and `build`: the stage's working directory. */
  stageFolder: string;
  reportFile: string;
  /** pytest numbers `line` attributes from 0; everyone else from 1. */
  lineBase: 0 | 1;
}

const ATTRIBUTES = ':@';
const TEXT = '#text';

// Document order matters: Node's reporter interleaves test cases and nested suites, and users expect
// the order they wrote their tests in, so the parser keeps order instead of grouping tags into arrays.
const xmlParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Also decodes character references: pytest writes newlines in messages as `&#10;`.
  htmlEntities: true,
});

/** Reads a JUnit XML report as written by mocha-junit-reporter, Node's test runner, pytest, Surefire and the like. */
export function parseJUnit(xmlText: string, reportFile: string, folder: string, stageFolder = folder): TestReport {
  const file = path.resolve(folder, reportFile);
  const root = parseRoot(xmlText, displayPath(file, folder));
  const context: JUnitContext = { folder, stageFolder, reportFile: file, lineBase: isPytestReport(root) ? 0 : 1 };
  const suites = suitesIn(root, context);
  return { format: 'junit', file, suites, counts: withUnlistedSkips(countTests(suites), root) };
}

function parseRoot(xmlText: string, shownFile: string): XmlElement {
  if (xmlText.trim() === '') {
    throw new Error(`The JUnit report ${shownFile} is empty: the test run probably stopped before its reporter wrote anything.`);
  }
  rejectEntityDeclarations(xmlText, shownFile);
  const validation = XMLValidator.validate(xmlText);
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    throw new Error(`The JUnit report ${shownFile} is not well-formed XML at line ${line}, column ${col}: ${msg}`);
  }
  const root = toElements(xmlParser.parse(xmlText)).at(0);
  if (root?.tag !== 'testsuites' && root?.tag !== 'testsuite') {
    const found = root ? `<${root.tag}>` : 'no element';
    throw new Error(
      `The JUnit report ${shownFile} should start with <testsuites> or <testsuite> but has ${found}; is the stage's report path right?`,
    );
  }
  // A lone <testsuite> root is read like a <testsuites> holding it.
  return root.tag === 'testsuites' ? root : { tag: 'testsuites', attributes: {}, children: [root], text: '' };
}

/**
 * Test reporters never declare entities, so a DOCTYPE that does is either a mistake or an attempt to
 * make the parser expand text; refusing it keeps what the user sees equal to what the file says.
 */
function rejectEntityDeclarations(xmlText: string, shownFile: string): void {
  const firstElement = xmlText.search(/<[A-Za-z_]/);
  const prolog = firstElement === -1 ? xmlText : xmlText.slice(0, firstElement);
  if (/<!ENTITY/i.test(prolog)) {
    throw new Error(
      `The JUnit report ${shownFile} declares XML entities in its DOCTYPE; Conveyor does not expand them. Write the report without a DOCTYPE.`,
    );
  }
}

function suitesIn(root: XmlElement, context: JUnitContext): TestSuiteResult[] {
  const suites: TestSuiteResult[] = [];
  // Node's reporter puts tests written outside any describe() straight under <testsuites>.
  const looseTests = childrenNamed(root, 'testcase').map((element) => testCase(element, [], context));
  if (looseTests.length > 0) {
    suites.push({ name: path.basename(context.reportFile), tests: looseTests });
  }
  for (const element of childrenNamed(root, 'testsuite')) {
    suites.push(topLevelSuite(element, context));
  }
  // mocha-junit-reporter always writes an empty "Root Suite"; a suite without tests tells nothing.
  return suites.filter((suite) => suite.tests.length > 0);
}

function topLevelSuite(element: XmlElement, context: JUnitContext): TestSuiteResult {
  const name = element.attributes.name ?? '';
  const file = element.attributes.file === undefined ? undefined : toAbsolutePath(element.attributes.file, context.folder);
  const tests = testsIn(element, [name], context);
  return file === undefined ? { name, tests } : { name, file, tests };
}

/** Test cases of a suite and of the suites nested in it, flattened into the top-level suite. */
function testsIn(suite: XmlElement, suitePath: readonly string[], context: JUnitContext): TestCaseResult[] {
  return suite.children.flatMap((child) => {
    if (child.tag === 'testcase') {
      return [testCase(child, suitePath, context)];
    }
    if (child.tag === 'testsuite') {
      return testsIn(child, [...suitePath, child.attributes.name ?? ''], context);
    }
    return [];
  });
}

function testCase(element: XmlElement, suitePath: readonly string[], context: JUnitContext): TestCaseResult {
  const problem = firstChildNamed(element, 'failure') ?? firstChildNamed(element, 'error');
  // Node's reporter writes both <skipped type="todo"> and <failure> for a failing todo test, and counts
  // it as todo, not as a failure; so a skip wins.
  const outcome = firstChildNamed(element, 'skipped') ? 'skipped' : problem ? 'failed' : 'passed';
  const result: TestCaseResult = { ...namesOf(element, suitePath), outcome };
  setIfDefined(result, 'durationMs', secondsToMs(element.attributes.time));
  setIfDefined(result, 'output', outputOf(element));
  if (outcome === 'failed' && problem) {
    const details = problem.text.trim();
    setIfDefined(result, 'message', nonEmpty(problem.attributes.message?.trim()) ?? nonEmpty(details.split('\n')[0]));
    setIfDefined(result, 'details', nonEmpty(details));
    setIfDefined(result, 'location', failureLocation(element, details, context));
  }
  return result;
}

// Node's test runner writes classname="test" on every case, which says nothing about where it is.
const NODE_PLACEHOLDER_CLASSNAME = 'test';

function namesOf(element: XmlElement, suitePath: readonly string[]): Pick<TestCaseResult, 'name' | 'className'> {
  const name = element.attributes.name ?? '';
  const className = element.attributes.classname;
  // mocha-junit-reporter swaps the two: name is the full title ("math adds two numbers"), classname the
  // test's own title ("adds two numbers"). Splitting restores the test name and its describe() path.
  if (className && name !== className && name.endsWith(` ${className}`)) {
    return { name: className, className: name.slice(0, -className.length - 1) };
  }
  if (className && className !== NODE_PLACEHOLDER_CLASSNAME) {
    return { name, className };
  }
  const suiteNames = suitePath.filter((part) => part !== '').join(' > ');
  return suiteNames === '' ? { name } : { name, className: suiteNames };
}

function failureLocation(element: XmlElement, details: string, context: JUnitContext): SourceLocation | undefined {
  const { file, line } = element.attributes;
  if (file !== undefined && line !== undefined && /^\d+$/.test(line)) {
    const fromAttributes = makeLocation(file, Number(line) + 1 - context.lineBase, undefined, context.folder);
    if (fromAttributes) {
      return fromAttributes;
    }
  }
  return firstFrameInFolder(details, context.folder) ?? jvmTestLocation(details, element.attributes.classname, context);
}

/**
 * A JVM test's failing line: the frame of its own class (Surefire trims the trace down to it), in the module's
 * test sources; the module is the folder above the report's `target` or `build`, else the stage's folder.
 */
function jvmTestLocation(details: string, testClass: string | undefined, context: JUnitContext): SourceLocation | undefined {
  if (!testClass) return undefined;
  for (const line of details.split(/\r?\n/)) {
    const frame = parseJvmFrame(line);
    if (!frame || !isFrameOf(frame, testClass)) continue;
    const moduleFolder = moduleOfReport(context.reportFile) ?? context.stageFolder;
    return makeLocation(path.join(moduleFolder, testSourcePath(frame)), frame.line, undefined, context.folder);
  }
  return undefined;
}

// pytest opens every captured section with a banner such as `----- Captured Out -----`, even when the
// test printed nothing; without the banners, silent tests have no output.
const PYTEST_BANNER = /^-{3,} Captured [A-Za-z ]+ -{3,}$/gm;

function outputOf(element: XmlElement): string | undefined {
  const printed = element.children
    .filter((child) => child.tag === 'system-out' || child.tag === 'system-err')
    .map((child) => child.text.replace(PYTEST_BANNER, '').trim())
    .filter((text) => text !== '');
  return printed.length === 0 ? undefined : printed.join('\n');
}

/**
 * mocha-junit-reporter leaves pending tests out unless `includePending` is set, yet still counts them
 * in `<testsuites skipped>`; adding the difference keeps Conveyor's totals equal to mocha's own summary.
 */
function withUnlistedSkips(counts: TestCounts, root: XmlElement): TestCounts {
  const declared = Number(root.attributes.skipped);
  const unlisted = Number.isInteger(declared) ? declared - counts.skipped : 0;
  return unlisted > 0 ? { ...counts, total: counts.total + unlisted, skipped: counts.skipped + unlisted } : counts;
}

function isPytestReport(root: XmlElement): boolean {
  return root.attributes.name === 'pytest tests' || childrenNamed(root, 'testsuite').some((suite) => suite.attributes.name === 'pytest');
}

function secondsToMs(seconds: string | undefined): number | undefined {
  const value = Number(seconds);
  // Microsecond precision is all the reporters carry; rounding hides float noise such as 1.3350000000000002.
  return seconds === undefined || seconds.trim() === '' || !Number.isFinite(value) ? undefined : Math.round(value * 1e6) / 1e3;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text;
}

/** Leaves optional fields out rather than present-but-undefined, so results compare and serialise cleanly. */
function setIfDefined<K extends keyof TestCaseResult>(target: TestCaseResult, key: K, value: TestCaseResult[K] | undefined): void {
  if (value !== undefined) {
    target[key] = value;
  }
}

function childrenNamed(element: XmlElement, tag: string): XmlElement[] {
  return element.children.filter((child) => child.tag === tag);
}

function firstChildNamed(element: XmlElement, tag: string): XmlElement | undefined {
  return element.children.find((child) => child.tag === tag);
}

// fast-xml-parser's ordered output: an array of `{ [tag]: children[], ':@': attributes }` and `{ '#text': text }`.
function toElements(raw: unknown): XmlElement[] {
  if (!Array.isArray(raw)) {
    return [];
  }
  const entries: unknown[] = raw;
  return entries.flatMap((entry) => {
    const element = toElement(entry);
    return element ? [element] : [];
  });
}

function toElement(entry: unknown): XmlElement | undefined {
  if (!isRecord(entry)) {
    return undefined;
  }
  const tag = Object.keys(entry).find((key) => key !== ATTRIBUTES);
  if (tag === undefined || tag === TEXT) {
    return undefined;
  }
  const content = entry[tag];
  return { tag, attributes: toAttributes(entry[ATTRIBUTES]), children: toElements(content), text: textOf(content) };
}

function toAttributes(raw: unknown): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (isRecord(raw)) {
    for (const [name, value] of Object.entries(raw)) {
      if (typeof value === 'string') {
        attributes[name] = value;
      }
    }
  }
  return attributes;
}

function textOf(content: unknown): string {
  if (!Array.isArray(content)) {
    return '';
  }
  const entries: unknown[] = content;
  return entries.map((entry) => (isRecord(entry) && typeof entry[TEXT] === 'string' ? entry[TEXT] : '')).join('');
}
