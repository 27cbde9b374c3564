// A node's own page, linked from the fleet: CPU, memory, disk, network and load over the last
// hour, from the node_exporter metric names its agent pushes.
import { post } from './api.js';
import { drawGraph } from './graph.js';
import { el } from './ui.js';

const RANGE_S = 3600;

function charts(sel) {
  return [
    ['CPU busy by mode (cores)', `sum by (mode) (rate(node_cpu_seconds_total{${sel},mode!="idle"}[2m]))`, true],
    ['Memory used (bytes)', `node_memory_MemTotal_bytes{${sel}} - node_memory_MemAvailable_bytes{${sel}}`, false],
    ['Disk read and written (bytes/s)', `label_replace(sum by (device) (rate(node_disk_read_bytes_total{${sel}}[2m])), "op", "read", "", "") or label_replace(sum by (device) (rate(node_disk_written_bytes_total{${sel}}[2m])), "op", "written", "", "")`, false],
    ['Network received and sent (bytes/s)', `label_replace(rate(node_network_receive_bytes_total{${sel},device!="lo"}[2m]), "dir", "in", "", "") or label_replace(rate(node_network_transmit_bytes_total{${sel},device!="lo"}[2m]), "dir", "out", "", "")`, false],
    ['Load', `{__name__=~"node_load1|node_load5|node_load15",${sel}}`, false],
  ];
}

export async function render(root, params) {
  const instance = params.get('instance') || '';
  const job = params.get('job') || '';
  const quote = (v) => JSON.stringify(v);
  const sel = `instance=${quote(instance)}${job ? `,job=${quote(job)}` : ''}`;
  root.append(el('h1', {}, `Node ${instance}`), el('p', { class: 'muted' }, `job ${job || '(any)'} · last hour · `, el('a', { href: '/fleet' }, 'back to the fleet')));
  const end = Date.now() / 1000;
  const start = end - RANGE_S;
  const step = 15;
  for (const [title, expr, stacked] of charts(sel)) {
    const graph = el('div', { class: 'graph' });
    root.append(el('section', { class: 'node-chart' }, el('h2', {}, title, ' ',
      el('a', { class: 'small', href: `/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=0&g0.range_input=1h` }, 'open')), graph));
    post('/api/v1/query_range', { query: expr, start: String(start), end: String(end), step: String(step) })
      .then((data) => {
        if (data.result.length === 0) graph.append(el('p', { class: 'empty' }, 'No data'));
        else drawGraph(graph, data.result, { start, end, step, stacked, height: 200 });
      })
      .catch((e) => graph.append(el('p', { class: 'error' }, e.message)));
  }
}
