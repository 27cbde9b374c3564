// The query page: panels of an expression each, run as a table (instant query) or a graph
// (range query). The URL holds every panel's state in Prometheus's form (g0.expr, g0.tab with
// 0 graph and 1 table, g0.range_input, g0.end_input, g0.moment_input, g0.step_input,
// g0.stacked), so a link (a rule's generatorURL among them) opens the same page.
import { errorPosition, post } from './api.js';
import { attachAutocomplete } from './autocomplete.js';
import { drawGraph } from './graph.js';
import { el, formatLabels, formatTime, parseTime } from './ui.js';

const RANGES = ['5m', '15m', '30m', '1h', '3h', '6h', '12h', '1d', '2d', '7d'];
const MAX_TABLE_ROWS = 10000;
const MAX_GRAPH_SERIES = 100;
const UNITS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

export function parseDuration(text) {
  const m = /^(\d+)([smhdwy])$/.exec(text || '');
  return m ? Number(m[1]) * UNITS[m[2]] : NaN;
}

function readPanels(params) {
  const panels = [];
  for (let i = 0; params.has(`g${i}.expr`) || params.has(`g${i}.tab`); i++) {
    const p = (k, d = '') => params.get(`g${i}.${k}`) ?? d;
    panels.push({
      expr: p('expr'),
      tab: p('tab', '0') === '1' ? 'table' : 'graph',
      range: RANGES.includes(p('range_input')) || !Number.isNaN(parseDuration(p('range_input'))) ? p('range_input') : '1h',
      end: p('end_input'),
      moment: p('moment_input'),
      step: p('step_input'),
      stacked: p('stacked') === '1',
    });
  }
  if (panels.length === 0) panels.push({ expr: '', tab: 'table', range: '1h', end: '', moment: '', step: '', stacked: false });
  return panels;
}

function writeUrl(panels) {
  const q = new URLSearchParams();
  panels.forEach((p, i) => {
    q.set(`g${i}.expr`, p.expr);
    q.set(`g${i}.tab`, p.tab === 'table' ? '1' : '0');
    q.set(`g${i}.stacked`, p.stacked ? '1' : '0');
    q.set(`g${i}.range_input`, p.range);
    if (p.end) q.set(`g${i}.end_input`, p.end);
    if (p.moment) q.set(`g${i}.moment_input`, p.moment);
    if (p.step) q.set(`g${i}.step_input`, p.step);
  });
  history.replaceState(null, '', `/graph?${q}`);
}

let panels = [];
let root = null;

export function render(container, params) {
  root = container;
  panels = readPanels(params);
  const list = el('div', { class: 'panels' });
  const add = el('button', {
    class: 'add-panel',
    onclick: () => {
      panels.push({ expr: '', tab: 'table', range: '1h', end: '', moment: '', step: '', stacked: false });
      list.append(panelView(panels[panels.length - 1], list));
      writeUrl(panels);
    },
  }, 'Add query');
  container.append(list, add);
  for (const p of panels) list.append(panelView(p, list));
  writeUrl(panels);
}

function errorView(expr, message) {
  const box = el('div', { class: 'error query-error' }, el('div', { class: 'error-message' }, message));
  const pos = errorPosition(message);
  if (pos) {
    const line = expr.split('\n')[pos.line - 1] ?? '';
    box.append(el('pre', { class: 'error-position' }, `${line}\n${' '.repeat(Math.max(0, pos.column - 1))}^`));
  }
  return box;
}

// What the server says the query cost (the API's `stats`): samples read and its own time.
function costParts(stats) {
  if (!stats) return [];
  return [`Samples read: ${stats.samples.totalQueryableSamples}`,
    `Server time: ${(stats.timings.execTotalTime * 1000).toFixed(1)}ms`];
}

function statsLine(parts) {
  return el('div', { class: 'stats' }, parts.filter(Boolean).join(' · '));
}

function tableView(result, resultType) {
  if (resultType === 'scalar' || resultType === 'string') {
    return el('table', { class: 'result' }, el('tbody', {}, el('tr', {}, el('td', {}, resultType), el('td', { class: 'value' }, result[1]))));
  }
  const rows = result.map((s) => ({
    labels: formatLabels(s.metric),
    value: resultType === 'vector' ? s.value[1] : s.values.map(([t, v]) => `${v} @${t}`).join('\n'),
    number: resultType === 'vector' ? Number(s.value[1]) : s.values.length,
  }));
  let sortKey = null;
  let descending = false;
  const tbody = el('tbody');
  const fill = () => {
    const sorted = rows.slice();
    if (sortKey === 'labels') sorted.sort((a, b) => a.labels.localeCompare(b.labels));
    if (sortKey === 'value') sorted.sort((a, b) => a.number - b.number || (Number.isNaN(a.number) ? 1 : -1));
    if (descending) sorted.reverse();
    tbody.replaceChildren(...sorted.slice(0, MAX_TABLE_ROWS).map((r) =>
      el('tr', {}, el('td', { class: 'labels' }, r.labels), el('td', { class: 'value' }, r.value))));
  };
  const header = (key, text) => el('th', {
    class: 'sortable',
    onclick: () => {
      descending = sortKey === key ? !descending : false;
      sortKey = key;
      fill();
    },
  }, text);
  fill();
  const table = el('table', { class: 'result' },
    el('thead', {}, el('tr', {}, header('labels', 'Series'), header('value', resultType === 'vector' ? 'Value' : 'Values'))), tbody);
  const box = el('div', {}, table);
  if (rows.length === 0) box.append(el('p', { class: 'empty' }, 'Empty query result'));
  if (rows.length > MAX_TABLE_ROWS) box.append(el('p', { class: 'note' }, `showing ${MAX_TABLE_ROWS} of ${rows.length} rows`));
  return box;
}

function panelView(panel, list) {
  const input = el('textarea', { class: 'expr', rows: 1, spellcheck: 'false', placeholder: 'Expression (press Enter to run, Shift+Enter for a new line)' });
  input.value = panel.expr;
  const output = el('div', { class: 'output' });
  const controls = el('div', { class: 'controls' });
  const node = el('section', { class: 'panel' });

  const run = async () => {
    panel.expr = input.value.trim();
    writeUrl(panels);
    output.replaceChildren();
    if (!panel.expr) return;
    output.append(el('div', { class: 'loading' }, 'Running…'));
    const t0 = performance.now();
    try {
      if (panel.tab === 'table') {
        const time = panel.moment ? parseTime(panel.moment) / 1000 : Date.now() / 1000;
        if (Number.isNaN(time)) throw new Error(`cannot read the evaluation time "${panel.moment}"`);
        const data = await post('/api/v1/query', { query: panel.expr, time: String(time), stats: '1' });
        const ms = performance.now() - t0;
        const samples = data.resultType === 'matrix' ? data.result.reduce((n, s) => n + s.values.length, 0)
          : data.resultType === 'vector' ? data.result.length : 1;
        output.replaceChildren(
          statsLine([`Load time: ${ms.toFixed(0)}ms`, `Result series: ${data.resultType === 'vector' || data.resultType === 'matrix' ? data.result.length : 1}`,
            `Samples returned: ${samples}`, ...costParts(data.stats), `Evaluated at ${formatTime(time * 1000)}`]),
          tableView(data.result, data.resultType));
      } else {
        const rangeS = parseDuration(panel.range);
        const end = panel.end ? parseTime(panel.end) / 1000 : Date.now() / 1000;
        if (Number.isNaN(end)) throw new Error(`cannot read the end time "${panel.end}"`);
        const start = end - rangeS;
        const step = panel.step ? Number(panel.step) : Math.max(Math.floor(rangeS / 250), 1);
        if (!(step > 0)) throw new Error(`the resolution must be a positive number of seconds, not "${panel.step}"`);
        const data = await post('/api/v1/query_range', { query: panel.expr, start: String(start), end: String(end), step: String(step), stats: '1' });
        const ms = performance.now() - t0;
        const graph = el('div', { class: 'graph' });
        output.replaceChildren(graph);
        if (data.resultType !== 'matrix') throw new Error(`a graph needs a range vector, the query gave a ${data.resultType}`);
        const samples = data.result.reduce((n, s) => n + s.values.length, 0);
        const drawn = drawGraph(graph, data.result, { start, end, step, stacked: panel.stacked, maxSeries: MAX_GRAPH_SERIES });
        output.prepend(statsLine([`Load time: ${ms.toFixed(0)}ms`, `Render: ${drawn.renderMs.toFixed(0)}ms`, `Resolution: ${step}s`,
          `Result series: ${data.result.length}`, `Samples returned: ${samples}`, ...costParts(data.stats)]));
        if (data.result.length === 0) graph.append(el('p', { class: 'empty' }, 'Empty query result'));
      }
    } catch (e) {
      output.replaceChildren(errorView(panel.expr, e.message));
    }
  };

  const tabButton = (tab, text) => el('button', {
    class: `tab${panel.tab === tab ? ' active' : ''}`,
    onclick: () => {
      panel.tab = tab;
      node.querySelectorAll('.tab').forEach((b) => b.classList.toggle('active', b.textContent === text));
      drawControls();
      run();
    },
  }, text);

  const field = (label, inputEl) => el('label', { class: 'field' }, label, inputEl);
  const drawControls = () => {
    controls.replaceChildren();
    if (panel.tab === 'graph') {
      const range = el('select', { class: 'range', onchange: (e) => { panel.range = e.target.value; run(); } },
        ...RANGES.map((r) => el('option', { value: r, selected: r === panel.range }, r)));
      if (!RANGES.includes(panel.range)) range.append(el('option', { value: panel.range, selected: true }, panel.range));
      const end = el('input', { class: 'end', placeholder: 'now', size: 19, value: panel.end, onchange: (e) => { panel.end = e.target.value.trim(); run(); } });
      const step = el('input', { class: 'step', placeholder: 'auto', size: 6, value: panel.step, onchange: (e) => { panel.step = e.target.value.trim(); run(); } });
      const stacked = el('input', { type: 'checkbox', class: 'stacked', checked: panel.stacked, onchange: (e) => { panel.stacked = e.target.checked; run(); } });
      controls.append(field('Range ', range), field('End ', end), field('Resolution (s) ', step), field('', stacked), 'Stacked');
    } else {
      const moment = el('input', { class: 'moment', placeholder: 'now', size: 19, value: panel.moment, onchange: (e) => { panel.moment = e.target.value.trim(); run(); } });
      controls.append(field('Evaluation time ', moment));
    }
  };

  const remove = el('button', {
    class: 'remove', title: 'Remove this query',
    onclick: () => {
      if (panels.length === 1) return;
      panels.splice(panels.indexOf(panel), 1);
      node.remove();
      writeUrl(panels);
    },
  }, '×');
  node.append(
    el('div', { class: 'expr-row' }, el('div', { class: 'expr-box' }, input), el('button', { class: 'execute', onclick: run }, 'Execute'), remove),
    el('div', { class: 'tabs' }, tabButton('table', 'Table'), tabButton('graph', 'Graph'), controls),
    output);
  attachAutocomplete(input, run);
  input.addEventListener('input', () => {
    input.style.height = 'auto';
    input.style.height = `${input.scrollHeight}px`;
  });
  drawControls();
  if (panel.expr) setTimeout(run, 0);
  return node;
}

export function leave() {
  root = null;
}
