// A release's record lives in its annotated tag: whoever has the repository has the history of what was
// released, from which commit, as which image and package, with no Conveyor database to lose or keep in sync.
import * as YAML from 'yaml';

export interface ReleaseRecord {
  version: string;
  tag: string;
  /** The commit the tag points at (the release commit when version files were updated). */
  commit: string;
  /** The commit the pipeline tested, when it differs from `commit` only by the release commit. */
  testedCommit?: string;
  /** Id of the pipeline run that found the commit ready to release. */
  readyRun?: string;
  /** Present when someone released although the pipeline gate did not pass. */
  gateOverride?: { reason: string; by?: string; at: string };
  image?: { repository: string; tags: string[]; digest: string };
  /** The npm package published with the release; `integrity` is the packed tarball's (sha512), as the registry holds it. */
  package?: { name: string; version: string; registry: string; distTag: string; integrity: string };
  createdAt: string;
}

const RECORD_START = '--- conveyor-release ---';
const RECORD_END = '--- end conveyor-release ---';

/** `Release v1.4.0`, the changelog section for people, then the record as YAML between marker lines. */
export function formatTagMessage(record: ReleaseRecord, changelogSection: string): string {
  const yaml = YAML.stringify(orderedRecord(record)).trimEnd();
  return (
    [`Release ${record.tag}`, changelogSection.trim(), [RECORD_START, yaml, RECORD_END].join('\n')]
      .filter((part) => part !== '')
      .join('\n\n') + '\n'
  );
}

/**
 * The record in a tag message; undefined when the message has none (a tag made by hand or by another
 * tool). A block that is there but broken is an Error, so it is reported rather than silently skipped.
 */
export function parseTagMessage(message: string): ReleaseRecord | undefined {
  const lines = message.replace(/\r\n?/g, '\n').split('\n');
  // The last marker: the block is appended after the human text, which might quote a marker line.
  const start = lines.map((l) => l.trim()).lastIndexOf(RECORD_START);
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && l.trim() === RECORD_END);
  if (end < 0) throw new Error(`The release record in the tag message has no "${RECORD_END}" line.`);
  let data: unknown;
  try {
    data = YAML.parse(lines.slice(start + 1, end).join('\n'));
  } catch (error) {
    throw new Error(`The release record in the tag message is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  return toRecord(data);
}

// Fixed key order, so every tag reads the same way and `git show` diffs line up.
function orderedRecord(record: ReleaseRecord): ReleaseRecord {
  const { version, tag, commit, testedCommit, readyRun, gateOverride, image, createdAt } = record;
  return { version, tag, commit, testedCommit, readyRun, gateOverride, image, package: record.package, createdAt };
}

function toRecord(data: unknown): ReleaseRecord {
  const fields = asObject(data, 'The release record');
  const record: ReleaseRecord = {
    version: requiredString(fields, 'version'),
    tag: requiredString(fields, 'tag'),
    commit: requiredString(fields, 'commit'),
    createdAt: requiredString(fields, 'createdAt'),
  };
  const testedCommit = optionalString(fields, 'testedCommit');
  if (testedCommit !== undefined) record.testedCommit = testedCommit;
  const readyRun = optionalString(fields, 'readyRun');
  if (readyRun !== undefined) record.readyRun = readyRun;
  if (fields.gateOverride !== undefined) record.gateOverride = toGateOverride(fields.gateOverride);
  if (fields.image !== undefined) record.image = toImage(fields.image);
  if (fields.package !== undefined) record.package = toPackage(fields.package);
  return record;
}

function toGateOverride(data: unknown): NonNullable<ReleaseRecord['gateOverride']> {
  const fields = asObject(data, 'gateOverride');
  const by = optionalString(fields, 'by', 'gateOverride.');
  const override = { reason: requiredString(fields, 'reason', 'gateOverride.'), at: requiredString(fields, 'at', 'gateOverride.') };
  return by === undefined ? override : { ...override, by };
}

function toImage(data: unknown): NonNullable<ReleaseRecord['image']> {
  const fields = asObject(data, 'image');
  const tags = fields.tags;
  if (!isStringList(tags)) throw new Error('The release record\'s "image.tags" must be a list of strings.');
  return { repository: requiredString(fields, 'repository', 'image.'), tags, digest: requiredString(fields, 'digest', 'image.') };
}

function toPackage(data: unknown): NonNullable<ReleaseRecord['package']> {
  const fields = asObject(data, 'package');
  const [name, version, registry, distTag, integrity] = (['name', 'version', 'registry', 'distTag', 'integrity'] as const).map((key) =>
    requiredString(fields, key, 'package.'),
  );
  return { name, version, registry, distTag, integrity };
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function asObject(data: unknown, what: string): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new Error(`${what} in the tag message must be a YAML mapping.`);
  return data as Record<string, unknown>;
}

function requiredString(fields: Record<string, unknown>, key: string, prefix = ''): string {
  const value = fields[key];
  if (typeof value !== 'string' || value === '') throw new Error(`The release record is missing "${prefix}${key}" (a string).`);
  return value;
}

function optionalString(fields: Record<string, unknown>, key: string, prefix = ''): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`The release record's "${prefix}${key}" must be a string.`);
  return value;
}
