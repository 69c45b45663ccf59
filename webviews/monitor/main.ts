// The monitor dashboard: one latency chart per uptime check and a sparkline per goal, drawn with uPlot in
// the theme's chart colours, and a table of delivery metrics per environment. Text reaches the page through
// textContent only; the host sends plain data.
import uPlot from 'uplot';
import type { DashboardToHost, DeliveryEnvironment, DeliverySection, GoalCard, HostToDashboard, UptimeCard } from './protocol';

declare function acquireVsCodeApi(): { postMessage(message: DashboardToHost): void };

const vscode = acquireVsCodeApi();
const root = document.getElementById('dashboard')!;
let last: Extract<HostToDashboard, { type: 'dashboard' }> | undefined;
let charts: uPlot[] = [];

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A colour of the current theme (VS Code sets these variables on the body and changes them with the theme). */
function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

const percent = (value: number | undefined) =>
  value === undefined ? '–' : `${value >= 99.95 && value < 100 ? value.toFixed(2) : value.toFixed(1)}%`;
const ms = (value: number | undefined) => (value === undefined ? '–' : `${Math.round(value)} ms`);

function render(): void {
  charts.forEach((chart) => chart.destroy());
  charts = [];
  root.replaceChildren();
  if (!last) return;
  root.setAttribute('aria-label', last.title);
  const uptime = element('section', 'group');
  uptime.append(element('h2', 'group-title', 'Uptime'));
  if (last.uptime.length === 0) uptime.append(element('p', 'empty', 'No uptime checks yet: add one with “Conveyor: Add Uptime Check”.'));
  for (const card of last.uptime) uptime.append(uptimeCard(card));
  const goals = element('section', 'group');
  goals.append(element('h2', 'group-title', 'Goals'));
  if (last.goals.length === 0) goals.append(element('p', 'empty', 'No goals yet: add one with “Conveyor: Add Goal”.'));
  for (const card of last.goals) goals.append(goalCard(card));
  root.append(uptime, goals, deliverySection(last.delivery));
}

function deliverySection(delivery: DeliverySection): HTMLElement {
  const section = element('section', 'group delivery');
  const title = element('h2', 'group-title', 'Delivery');
  section.append(title);
  if (delivery.state === 'loading') section.append(element('p', 'empty', 'Reading the delivery records…'));
  else if (delivery.state === 'empty') section.append(element('p', 'empty', delivery.message));
  else if (delivery.state === 'error') section.append(element('p', 'reason', delivery.message));
  else {
    title.textContent = `Delivery · the last ${delivery.periodDays} days`;
    for (const environment of delivery.environments) section.append(deliveryCard(environment, delivery.periodDays));
    if (delivery.gaps.length > 0) {
      const gaps = element('ul', 'gaps');
      gaps.append(...delivery.gaps.map((gap) => element('li', '', gap)));
      section.append(gaps);
    }
  }
  return section;
}

const TREND_WORDS = { better: 'better than', worse: 'worse than', same: 'the same as', unknown: 'against' } as const;

function deliveryCard(environment: DeliveryEnvironment, periodDays: number): HTMLElement {
  const box = element('article', 'card');
  box.dataset.environment = environment.name;
  const head = element('header', 'card-head');
  head.append(element('h3', 'name', environment.name));
  const table = element('table', 'keys');
  const columns = element('tr', '');
  for (const heading of ['', `last ${periodDays} days`, '', `${periodDays} days before`]) columns.append(element('th', '', heading));
  const body = element('tbody', '');
  for (const metric of environment.metrics) {
    const row = element('tr', '');
    row.dataset.metric = metric.name;
    const value = element('td', 'value-cell', metric.value);
    if (metric.detail) value.append(element('span', 'detail', metric.detail));
    const arrow = element('td', `trend ${metric.trend}`, metric.arrow);
    arrow.title = `${metric.value} is ${TREND_WORDS[metric.trend]} the ${periodDays} days before (${metric.previous})`;
    row.append(element('th', 'metric', metric.name), value, arrow, element('td', 'previous', metric.previous));
    body.append(row);
  }
  table.createTHead().append(columns);
  table.append(body);
  box.append(head, table);
  return box;
}

function uptimeCard(card: UptimeCard): HTMLElement {
  const box = element('article', `card status-${card.status}`);
  box.dataset.check = card.name;
  const head = element('header', 'card-head');
  head.append(element('span', `dot ${card.status}`), element('h3', 'name', card.name), element('span', 'url', card.url));
  const probe = element('button', 'action', 'Probe now');
  probe.type = 'button';
  probe.addEventListener('click', () => vscode.postMessage({ type: 'probeNow', name: card.name }));
  head.append(probe);
  const facts = element('dl', 'facts');
  for (const [label, value] of [
    ['24 h', percent(card.uptime24h)],
    ['7 d', percent(card.uptime7d)],
    ['p50', ms(card.p50LatencyMs)],
    ['p95', ms(card.p95LatencyMs)],
  ])
    facts.append(element('dt', '', label), element('dd', '', value));
  box.append(head, facts);
  if (card.reason) box.append(element('p', 'reason', card.reason));
  const chart = element('div', 'chart');
  chart.setAttribute('role', 'img');
  chart.setAttribute('aria-label', `Latency of ${card.name} over the last 24 hours`);
  box.append(chart);
  if (card.series.xs.length > 0) queueMicrotask(() => charts.push(latencyChart(chart, card)));
  else chart.append(element('p', 'empty', 'Not probed yet.'));
  return box;
}

function latencyChart(target: HTMLElement, card: UptimeCard): uPlot {
  const line = themeColor('--vscode-charts-blue', '#3794ff');
  const down = themeColor('--vscode-charts-red', '#f14c4c');
  const text = themeColor('--vscode-descriptionForeground', '#888');
  const grid = themeColor('--vscode-editorWidget-border', '#444');
  // Down probes drawn as red points along the top, on a scale of their own, so outages show without a latency.
  const downs = card.series.up.map((u) => (u ? null : 1));
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  return new uPlot(
    {
      width: Math.max(240, target.clientWidth || 480),
      height: 140,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      // Always the last 24 hours: uPlot would stretch a single probe over years.
      scales: {
        x: { time: true, range: () => [Date.now() / 1000 - 86_400, Date.now() / 1000] },
        ms: { range: (_u, _min, max) => [0, Math.max(1, max ?? 1) * 1.1] },
        down: { range: [0, 1.05] },
      },
      axes: [axis, { ...axis, scale: 'ms', size: 64, values: (_u, ticks) => ticks.map((t) => `${t} ms`) }],
      series: [
        {},
        { label: 'latency', scale: 'ms', stroke: line, width: 1.5, spanGaps: false },
        { label: 'down', scale: 'down', stroke: down, width: 0, points: { show: true, size: 6, fill: down, stroke: down } },
      ],
    },
    [card.series.xs, card.series.latencyMs, downs],
    target,
  );
}

function goalCard(card: GoalCard): HTMLElement {
  const box = element('article', `card goal ${card.met === undefined ? '' : card.met ? 'met' : 'missed'}`);
  box.dataset.goal = card.name;
  const head = element('header', 'card-head');
  head.append(element('h3', 'name', card.name));
  const measure = element('button', 'action', 'Measure now');
  measure.type = 'button';
  measure.addEventListener('click', () => vscode.postMessage({ type: 'measureGoal', name: card.name }));
  head.append(measure);
  const unit = card.unit ? (card.unit.startsWith('/') ? card.unit : ` ${card.unit}`) : '';
  const value = element('p', 'value', card.value === undefined ? '–' : `${formatNumber(card.value)}${unit}`);
  const target = card.target === undefined ? '' : `target ${card.direction === 'down' ? '≤' : '≥'} ${formatNumber(card.target)}${unit}`;
  box.append(
    head,
    value,
    element('p', 'target', [target, card.met === undefined ? '' : card.met ? 'met' : 'not met'].filter(Boolean).join(' · ')),
  );
  if (card.error) box.append(element('p', 'reason', card.error));
  const spark = element('div', 'sparkline');
  spark.setAttribute('role', 'img');
  spark.setAttribute('aria-label', `Trend of ${card.name}`);
  box.append(spark);
  if (card.series.xs.length > 1) queueMicrotask(() => charts.push(sparkline(spark, card)));
  return box;
}

function sparkline(target: HTMLElement, card: GoalCard): uPlot {
  const stroke = card.met === false ? themeColor('--vscode-charts-orange', '#d18616') : themeColor('--vscode-charts-green', '#89d185');
  return new uPlot(
    {
      width: Math.max(160, target.clientWidth || 200),
      height: 40,
      legend: { show: false },
      cursor: { show: false },
      axes: [{ show: false }, { show: false }],
      scales: { x: { time: false } },
      series: [{}, { stroke, width: 1.5, points: { show: false } }],
    },
    [card.series.xs, card.series.values],
    target,
  );
}

function formatNumber(value: number): string {
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : String(Math.round(value * 100) / 100);
}

window.addEventListener('message', (event: MessageEvent<HostToDashboard>) => {
  const message = event.data;
  if (message.type === 'dashboard') {
    last = message;
    render();
  } else {
    const banner = element('div', 'error', message.message);
    banner.setAttribute('role', 'alert');
    root.prepend(banner);
  }
});

// A theme change swaps the body's class: redraw with the new theme's colours.
new MutationObserver(render).observe(document.body, { attributes: true, attributeFilter: ['class'] });
let resizeTimer: number | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(render, 150);
});

vscode.postMessage({ type: 'ready' });
