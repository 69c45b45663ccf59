// The branch Start Work creates for an item: conveyor.yml's template (code.startWork.branch) filled in, then made
// a name git accepts (`git check-ref-format --branch`), whatever the item's title holds.

export const DEFAULT_BRANCH_TEMPLATE = '{type}/{key}-{slug}';
/** The placeholders a template may use; schemas/conveyor.schema.json lists the same ones. */
export const BRANCH_PLACEHOLDERS = ['type', 'key', 'slug', 'title'] as const;

export interface BranchItem {
  key: string;
  title: string;
  type?: string;
}

const SLUG_LENGTH = 40;
/** What git refuses in a branch name (control characters among it), with the dashes around it: `Fix: the  bug` → `Fix-the-bug`. */
// eslint-disable-next-line no-control-regex
const REFUSED_RUN = /-*(?:[\x00-\x20\x7f~^:?*[\\]|@\{)(?:[\x00-\x20\x7f~^:?*[\\-]|@\{)*/g;
/** Well under git's and the hosts' limits, and still readable in a status bar. */
const BRANCH_LENGTH = 100;

/** `feat/CNV-12-add-the-login-page` with the default template. */
export function branchNameFor(item: BranchItem, template = DEFAULT_BRANCH_TEMPLATE): string {
  const values: Record<(typeof BRANCH_PLACEHOLDERS)[number], string> = {
    type: item.type ?? 'feat',
    key: item.key.replace(/^#/, '').replace(/[^A-Za-z0-9-]+/g, '-'),
    slug: slugOf(item.title),
    // Its case and letters kept; a `/` in it would start a folder of branches.
    title: [...item.title.normalize('NFC').trim().replace(/\//g, '-')].slice(0, SLUG_LENGTH).join(''),
  };
  const fill = (text: string) =>
    safeBranchName(
      text.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? values[name as keyof typeof values] : whole)),
    );
  // A template of placeholders that all came out empty still needs a branch.
  return fill(template) || fill(DEFAULT_BRANCH_TEMPLATE);
}

function slugOf(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_LENGTH)
    .replace(/-+$/, '');
}

/**
 * A name `git check-ref-format --branch` accepts: runs of what git refuses (controls, space, ~ ^ : ? * [ \, `@{`)
 * become one `-`; `..` becomes `.`; each `/`-separated part loses leading `.`/`-`, trailing `.`/`-`/`.lock`, and
 * empty parts go (so `{key}-{slug}` with no slug ends at the key); `HEAD` alone is no name. Capped at BRANCH_LENGTH
 * characters.
 */
export function safeBranchName(name: string): string {
  const parts = (cleaned: string) =>
    cleaned
      .split('/')
      .map((part) => trimPart(part.replace(REFUSED_RUN, '-').replace(/\.{2,}/g, '.')))
      .filter((part) => part && part !== '@');
  const capped = [...parts(name).join('/')].slice(0, BRANCH_LENGTH).join('');
  const safe = parts(capped).join('/');
  // The one whole name git keeps for itself (`{title}` of an item called "HEAD"): no name, so the default applies.
  return safe === 'HEAD' ? '' : safe;
}

function trimPart(part: string): string {
  let trimmed = part.replace(/^[.-]+/, '');
  for (let previous = ''; previous !== trimmed;) {
    previous = trimmed;
    trimmed = trimmed.replace(/\.lock$/, '').replace(/[.-]+$/, '');
  }
  return trimmed;
}
