// Which Notion database conveyor.yml names: its id as Notion shows it (32 hex digits, with or without dashes) or
// the database's URL, as copied from the browser or from "Copy link" (a title slug, a workspace and a view may come with it).

const DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COMPACT = /^[0-9a-f]{32}$/i;
/** An id at the end of a URL path segment, after a title slug or alone. */
const ID_IN_SEGMENT = /(?:^|-)([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The database id in the dashed form the API answers with, or undefined when `text` holds none. */
export function notionDatabaseId(text: string): string | undefined {
  const trimmed = text.trim();
  if (DASHED.test(trimmed) || COMPACT.test(trimmed)) return dashed(trimmed);
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch {
    return undefined;
  }
  // The path names the database; `?v=` names one of its views, and `?p=` a page opened over it: neither is the database.
  const segments = url.pathname.split('/').filter(Boolean).reverse();
  for (const segment of segments) {
    const id = ID_IN_SEGMENT.exec(decodeURIComponent(segment))?.[1];
    if (id) return dashed(id);
  }
  return undefined;
}

function dashed(id: string): string {
  const hex = id.replaceAll('-', '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
