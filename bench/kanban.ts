// bench/kanban: first render of 1,000 cards by the kanban webview's own bundle and stylesheet in Chromium
// (1280×720, Playwright's default page), against a plain unstyled list of the same 1,000 titles rendered in the
// same page, same run. Needs `npm run package` (dist/webviews).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { vscodeHostTools } from '../scripts/vscode-host/tools';
import type { HostToWebview } from '../webviews/board/protocol';

const CARDS = 1000;
const RUNS = 7;
const bundle = readFileSync(path.resolve(__dirname, '..', 'dist', 'webviews', 'board.js'), 'utf8');
// The webview's layout is its stylesheet's: without it the cards would be measured as unstyled inline text.
const stylesheet = readFileSync(path.resolve(__dirname, '..', 'dist', 'webviews', 'board-style.css'), 'utf8');
const board: Extract<HostToWebview, { type: 'board' }> = {
  type: 'board',
  notices: [],
  title: 'bench board',
  canCreate: true,
  columns: (['todo', 'in-progress', 'in-review', 'done'] as const).map((id) => ({ id, label: id })),
  cards: Array.from({ length: CARDS }, (_, i) => ({
    key: `CNV-${i + 1}`,
    title: `Work item ${i + 1} about the checkout page`,
    column: (['todo', 'in-progress', 'in-review', 'done'] as const)[i % 4],
    status: 'x',
    assignee: i % 3 ? `dev${i % 5}` : undefined,
  })),
};

async function main(): Promise<void> {
  const browser = await chromium.launch({
    executablePath: vscodeHostTools().chromium,
    args: ['--no-sandbox', '--disable-gpu', '--headless'],
  });
  try {
    const page = await browser.newPage();
    const kanban: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await page.setContent('<main id="board"></main><ul id="plain"></ul>');
      await page.addStyleTag({ content: stylesheet });
      await page.evaluate('window.acquireVsCodeApi = () => ({ postMessage() {} });');
      await page.addScriptTag({ content: bundle });
      kanban.push(
        await page.evaluate(`(() => {
          const started = performance.now();
          window.dispatchEvent(new MessageEvent('message', { data: ${JSON.stringify(board)} }));
          document.body.getBoundingClientRect();
          return performance.now() - started;
        })()`),
      );
      plain.push(
        await page.evaluate(`(() => {
          const started = performance.now();
          const list = document.getElementById('plain');
          for (const card of ${JSON.stringify(board.cards)}) { const li = document.createElement('li'); li.textContent = card.key + ' ' + card.title; list.append(li); }
          document.body.getBoundingClientRect();
          return performance.now() - started;
        })()`),
      );
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    console.log(`kanban first render of ${CARDS} cards in Chromium (median of ${RUNS}, including layout, with the board's stylesheet)`);
    console.log(`  plain list (baseline) : ${median(plain).toFixed(1)} ms`);
    console.log(`  kanban                : ${median(kanban).toFixed(1)} ms`);
    console.log(`  ratio                 : ${(median(kanban) / median(plain)).toFixed(1)}`);
  } finally {
    await browser.close();
  }
}

void main();
