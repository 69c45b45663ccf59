// Markdown to the Atlassian Document Format that Jira's v3 API takes for `description` (a plain string is
// refused there). Covers the Markdown Conveyor writes: paragraphs, bullet lists, fenced code, `code`, **strong**,
// [links](url) and backslash escapes; anything else stays as its literal text, which still reads well.

export interface AdfMark {
  type: 'code' | 'strong' | 'link';
  attrs?: { href: string };
}

export interface AdfNode {
  type: string;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
  text?: string;
  marks?: AdfMark[];
}

export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

const BULLET = /^[-*] +/;
const FENCE = /^(`{3,}|~{3,})/;

export function markdownToAdf(markdown: string): AdfDoc {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const content: AdfNode[] = [];
  let paragraph: string[] = [];
  let list: AdfNode[] | undefined;
  const flush = () => {
    if (paragraph.length > 0) content.push({ type: 'paragraph', content: inlineLines(paragraph) });
    paragraph = [];
    list = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = FENCE.exec(line)?.[1];
    if (fence) {
      flush();
      const code: string[] = [];
      while (++i < lines.length && !lines[i].startsWith(fence)) code.push(lines[i]);
      content.push({ type: 'codeBlock', ...(code.length > 0 ? { content: [{ type: 'text', text: code.join('\n') }] } : {}) });
    } else if (BULLET.test(line)) {
      const items = list ?? [];
      if (!list) {
        flush();
        list = items;
        content.push({ type: 'bulletList', content: items });
      }
      items.push({ type: 'listItem', content: [{ type: 'paragraph', content: inline(line.replace(BULLET, '')) }] });
    } else if (!line.trim()) {
      flush();
    } else {
      list = undefined;
      paragraph.push(line);
    }
  }
  flush();
  return { type: 'doc', version: 1, content };
}

/** A paragraph's lines, joined by hard breaks as they were written. */
function inlineLines(lines: string[]): AdfNode[] {
  return lines.flatMap((line, index) => [...(index > 0 ? [{ type: 'hardBreak' }] : []), ...inline(line)]);
}

function inline(text: string, marks: AdfMark[] = []): AdfNode[] {
  const nodes: AdfNode[] = [];
  let plain = '';
  const push = (node: AdfNode) => {
    if (plain) nodes.push(textNode(plain, marks));
    plain = '';
    nodes.push(node);
  };
  for (let i = 0; i < text.length;) {
    const rest = text.slice(i);
    const code = codeSpan(rest);
    const strong = /^\*\*(.+?)\*\*/.exec(rest);
    const link = /^\[((?:\\.|[^\]\\])+)\]\((?:<([^<>]*)>|([^\s()<>]+))\)/.exec(rest);
    if (rest[0] === '\\' && rest.length > 1 && /[!-/:-@[-`{-~]/.test(rest[1])) {
      plain += rest[1];
      i += 2;
    } else if (code) {
      // Jira allows a code mark beside a link only.
      if (code.text) push(textNode(code.text, [...marks.filter((m) => m.type === 'link'), { type: 'code' }]));
      else plain += rest.slice(0, code.length);
      i += code.length;
    } else if (strong) {
      for (const node of inline(strong[1], [...marks, { type: 'strong' }])) push(node);
      i += strong[0].length;
    } else if (link) {
      for (const node of inline(link[1], [...marks, { type: 'link', attrs: { href: link[2] ?? link[3] } }])) push(node);
      i += link[0].length;
    } else {
      plain += rest[0];
      i += 1;
    }
  }
  if (plain) nodes.push(textNode(plain, marks));
  return nodes;
}

/**
 * A code span at the start of `text`: a run of backticks, its content, the same run again (CommonMark). A run
 * that is never closed is literal text (empty `text`, its `length` to skip).
 */
function codeSpan(text: string): { text: string; length: number } | undefined {
  const open = /^`+/.exec(text)?.[0];
  if (!open) return undefined;
  const close = new RegExp(`(?<!\`)${open}(?!\`)`, 'g');
  close.lastIndex = open.length;
  const end = close.exec(text);
  if (!end) return { text: '', length: open.length };
  const inner = text.slice(open.length, end.index);
  // One space each side is padding, so a span can start or end with a backtick.
  const stripped = /^ .* $/.test(inner) && inner.trim() ? inner.slice(1, -1) : inner;
  return { text: stripped, length: end.index + open.length };
}

function textNode(text: string, marks: AdfMark[]): AdfNode {
  return { type: 'text', text, ...(marks.length > 0 ? { marks } : {}) };
}
