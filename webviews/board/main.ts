// The kanban board: columns by status, cards dragged (or moved with Alt+←/→) between them. Every piece of
// text reaches the page through textContent, never as HTML, so a title like `<img onerror=…>` stays text.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { HostToWebview, KanbanCard, KanbanColumn, WebviewToHost } from './protocol';

declare function acquireVsCodeApi(): { postMessage(message: WebviewToHost): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById('board')!;
let columns: { id: KanbanColumn; label: string }[] = [];
let cards: KanbanCard[] = [];
let notices: { text: string; kind: 'info' | 'error' }[] = [];

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render(title: string, canCreate: boolean): void {
  // A board refresh (the file changed, a move was written) can arrive while someone types a new item:
  // what they typed, and where, survives the redraw.
  const drafts = new Map<string, string>();
  let focused: string | undefined;
  for (const field of Array.from(root.querySelectorAll<HTMLElement & { value: string }>('.column .create-title'))) {
    const column = field.closest<HTMLElement>('.column')?.dataset.column;
    if (!column) continue;
    if (field.value) drafts.set(column, field.value);
    if (field.matches(':focus-within')) focused = column;
  }
  root.replaceChildren();
  root.setAttribute('aria-label', title);
  for (const notice of notices) {
    const line = element('div', notice.kind === 'error' ? 'error' : 'notice', notice.text);
    line.setAttribute('role', notice.kind === 'error' ? 'alert' : 'status');
    root.append(line);
  }
  for (const column of columns) {
    const inColumn = cards.filter((c) => c.column === column.id);
    const section = element('section', 'column');
    section.dataset.column = column.id;
    section.setAttribute('aria-label', `${column.label}, ${inColumn.length} items`);
    const header = element('h2', 'column-title', `${column.label} `);
    const count = document.createElement('vscode-badge');
    count.setAttribute('variant', 'counter');
    count.textContent = String(inColumn.length);
    header.append(count);
    section.append(header);
    const list = element('ul', 'cards');
    list.setAttribute('role', 'list');
    for (const card of inColumn) list.append(cardElement(card));
    section.append(list);
    if (canCreate) section.append(createButton(column.id, drafts.get(column.id)));
    section.addEventListener('dragover', (event) => {
      event.preventDefault();
      section.classList.add('drop-target');
    });
    section.addEventListener('dragleave', () => section.classList.remove('drop-target'));
    section.addEventListener('drop', (event) => {
      event.preventDefault();
      section.classList.remove('drop-target');
      const key = event.dataTransfer?.getData('text/plain');
      if (key) move(key, column.id);
    });
    root.append(section);
  }
  if (focused) root.querySelector<HTMLElement>(`.column[data-column="${focused}"] .create-title`)?.focus();
}

/**
 * A card is an item with its texts and nothing else: the person and rocket icons are drawn by CSS (::before)
 * and the action buttons are added on hover or focus. Each element less per card is ~10% of a 1,000-card
 * first render.
 */
function cardElement(card: KanbanCard): HTMLLIElement {
  const item = element('li', 'card');
  item.draggable = true;
  item.tabIndex = 0;
  item.dataset.key = card.key;
  item.setAttribute(
    'aria-label',
    `${card.key} ${card.title}, ${card.status}${card.assignee ? `, assigned to ${card.assignee}` : ''}${card.delivery ? `, ${card.delivery}` : ''}. Alt+Left or Alt+Right to move.`,
  );
  item.append(element('span', 'key', card.key), element('span', 'title', card.title));
  if (card.assignee) item.append(element('span', 'assignee', card.assignee));
  if (card.delivery) item.append(element('span', 'delivery', card.delivery));
  return item;
}

function icon(name: string): HTMLElement {
  const span = element('span', `codicon codicon-${name}`);
  span.setAttribute('aria-hidden', 'true');
  return span;
}

const ACTION_ICONS = { startWork: 'git-branch', assign: 'person' } as const;
/** One button per action, cloned per card: cheaper than building each from scratch for 1,000 cards. */
const actionTemplates = new Map<keyof typeof ACTION_ICONS, HTMLButtonElement>();

/** A small toolbar button on a card (shown on hover and focus), like a tree row's inline actions. */
function actionButton(action: keyof typeof ACTION_ICONS, label: string): HTMLButtonElement {
  let template = actionTemplates.get(action);
  if (!template) {
    template = element('button', 'card-action');
    template.type = 'button';
    template.dataset.action = action;
    template.append(icon(ACTION_ICONS[action]));
    actionTemplates.set(action, template);
  }
  const button = template.cloneNode(true) as HTMLButtonElement;
  button.title = label;
  button.setAttribute('aria-label', label);
  return button;
}

/** The card a board event happened in, by its key. */
function cardOf(target: EventTarget | null): KanbanCard | undefined {
  const key = target instanceof Element ? target.closest<HTMLElement>('.card')?.dataset.key : undefined;
  return key === undefined ? undefined : cards.find((c) => c.key === key);
}

/** A card's buttons appear when it is hovered or focused: 2,000 buttons up front doubled the first render. */
function showActions(target: EventTarget | null): void {
  const item = target instanceof Element ? target.closest<HTMLElement>('.card') : null;
  const key = item?.dataset.key;
  if (!item || key === undefined || item.querySelector('.card-actions')) return;
  const actions = element('span', 'card-actions');
  actions.append(actionButton('startWork', `Start work on ${key}`), actionButton('assign', `Assign ${key}…`));
  item.append(actions);
}
root.addEventListener('mouseover', (event) => showActions(event.target));
root.addEventListener('focusin', (event) => showActions(event.target));

// Card events are delegated to the board: a thousand cards do not need three thousand listeners.
root.addEventListener('dragstart', (event) => {
  const card = cardOf(event.target);
  if (card) event.dataTransfer?.setData('text/plain', card.key);
});
root.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest<HTMLElement>('.card-action') : null;
  const card = cardOf(event.target);
  const action = button?.dataset.action;
  if (card && (action === 'startWork' || action === 'assign')) vscode.postMessage({ type: action, key: card.key });
});
root.addEventListener('keydown', (event) => {
  if (!(event.target instanceof HTMLElement) || !event.target.classList.contains('card')) return;
  const card = cardOf(event.target);
  if (!card) return;
  const index = columns.findIndex((c) => c.id === card.column);
  if (event.altKey && event.key === 'ArrowRight' && index < columns.length - 1) move(card.key, columns[index + 1].id);
  else if (event.altKey && event.key === 'ArrowLeft' && index > 0) move(card.key, columns[index - 1].id);
  else if (event.key === 'Enter') vscode.postMessage({ type: 'startWork', key: card.key });
  else if (event.key === 'a') vscode.postMessage({ type: 'assign', key: card.key });
});

/** A vscode-textfield at the foot of a column: type a title, Enter creates the item in that column. */
function createButton(column: KanbanColumn, draft = ''): HTMLElement {
  const form = element('form', 'create');
  const input = document.createElement('vscode-textfield') as HTMLElement & { value: string; placeholder: string };
  input.className = 'create-title';
  input.placeholder = 'New item…';
  input.value = draft;
  input.setAttribute('aria-label', `New item in ${columns.find((c) => c.id === column)?.label ?? column}`);
  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    const title = input.value.trim();
    if (title) vscode.postMessage({ type: 'create', title, column });
    input.value = '';
  });
  form.append(input);
  form.addEventListener('submit', (event) => event.preventDefault());
  return form;
}

/** Moves the card at once (the host answers with the board as written, or an error that puts it back). */
function move(key: string, column: KanbanColumn): void {
  const card = cards.find((c) => c.key === key);
  if (!card || card.column === column) return;
  card.column = column;
  render(root.getAttribute('aria-label') ?? '', root.querySelector('form') !== null);
  root.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`)?.focus();
  vscode.postMessage({ type: 'move', key, column });
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const message = event.data;
  if (message.type === 'board') {
    columns = message.columns;
    cards = message.cards;
    notices = message.notices;
    render(message.title, message.canCreate);
  } else {
    const banner = element('div', 'error', message.message);
    banner.setAttribute('role', 'alert');
    root.prepend(banner);
  }
});

vscode.postMessage({ type: 'ready' });
