// The Status page: build and runtime information, the flags and configuration as loaded, the
// storage (head, blocks, bytes on disk, retention, cardinality) and the WAL and forwarding
// state per destination, read from the server's own /metrics.
import { get } from './api.js';
import { el, formatAge, formatTime } from './ui.js';

function kv(rows) {
  return el('table', { class: 'kv' }, el('tbody', {}, ...rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v)))));
}

function topTable(title, rows) {
  return el('div', { class: 'top' }, el('h3', {}, title),
    el('table', { class: 'kv' }, el('tbody', {}, ...rows.map((r) => el('tr', {}, el('th', {}, r.name), el('td', { class: 'value' }, r.value))))));
}

// The exposition format's samples whose names start with one of `prefixes`.
export function parseExposition(text, prefixes) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#' || !prefixes.some((p) => line.startsWith(p))) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const [, k, v] of (m[3] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

const bytes = (n) => (n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(2)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB`
  : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

function destinations(samples) {
  const by = new Map();
  for (const s of samples) {
    const d = s.labels.destination;
    if (!d) continue;
    if (!by.has(d)) by.set(d, {});
    const key = s.labels.reason ? `${s.name}{${s.labels.reason}}` : s.name;
    by.get(d)[key] = s.value;
  }
  if (by.size === 0) return el('p', { class: 'empty' }, 'No forwarding destination ([remote_write.NAME] in server.ini).');
  const now = Date.now() / 1000;
  return el('table', { class: 'grid' },
    el('thead', {}, el('tr', {}, ...['Destination', 'Sent', 'Failed', 'Retried', 'Dropped', 'Newest sent', 'In flight'].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...[...by].map(([d, m]) => {
      const dropped = Object.entries(m).filter(([k]) => k.startsWith('vigil_remote_samples_dropped_total')).reduce((n, [, v]) => n + v, 0);
      const newest = m.vigil_remote_highest_sent_timestamp_seconds;
      return el('tr', {}, el('td', {}, d), el('td', {}, m.vigil_remote_samples_sent_total ?? ''), el('td', {}, m.vigil_remote_samples_failed_total ?? ''),
        el('td', {}, m.vigil_remote_samples_retried_total ?? ''), el('td', {}, dropped),
        el('td', {}, newest ? `${formatTime(newest * 1000)} (${formatAge(now - newest)} ago)` : 'never'), el('td', {}, m.vigil_remote_samples_in_flight ?? ''));
    })));
}

export async function render(root) {
  root.append(el('h1', {}, 'Status'));
  const section = (title, ...content) => root.append(el('section', { class: 'status' }, el('h2', {}, title), ...content));
  try {
    const [build, runtime, flags, config, tsdb, metricsText] = await Promise.all([
      get('/api/v1/status/buildinfo'), get('/api/v1/status/runtimeinfo'), get('/api/v1/status/flags'),
      get('/api/v1/status/config'), get('/api/v1/status/tsdb'),
      fetch('/metrics').then((r) => (r.ok ? r.text() : '')),
    ]);
    const metrics = parseExposition(metricsText, ['vigil_tsdb_', 'vigil_remote_']);
    const one = (name) => (metrics.find((s) => s.name === name) || {}).value;
    section('Build information', kv(Object.entries(build)));
    section('Runtime information', kv([
      ['Start time', formatTime(Date.parse(runtime.startTime))],
      ['Storage retention', runtime.storageRetention],
      ['Last configuration reload successful', String(runtime.reloadConfigSuccess)],
      ['Last configuration reload', formatTime(Date.parse(runtime.lastConfigTime))],
    ]));
    const head = tsdb.headStats;
    section('Storage', kv([
      ['Head series', head.numSeries], ['Head chunks', head.chunkCount], ['Label pairs', head.numLabelPairs],
      ['Head time range', head.minTime > 0 ? `${formatTime(head.minTime)} – ${formatTime(head.maxTime)}` : 'empty'],
      ['Blocks', one('vigil_tsdb_blocks_loaded') ?? ''],
      ['Blocks on disk', one('vigil_tsdb_storage_blocks_bytes') !== undefined ? bytes(one('vigil_tsdb_storage_blocks_bytes')) : ''],
      ['WAL on disk', one('vigil_tsdb_wal_size_bytes') !== undefined ? bytes(one('vigil_tsdb_wal_size_bytes')) : ''],
      ['Retention', runtime.storageRetention],
    ]),
    el('div', { class: 'tops' },
      topTable('Top metric names by series', tsdb.seriesCountByMetricName),
      topTable('Top label pairs by series', tsdb.seriesCountByLabelValuePair),
      topTable('Top label names by values', tsdb.labelValueCountByLabelName)));
    section('Forwarding', destinations(metrics.filter((s) => s.name.startsWith('vigil_remote_'))));
    section('Command-line flags', kv(Object.entries(flags)));
    // Secrets are read from files named in server.ini: the configuration holds their paths only.
    section('Configuration', el('pre', { class: 'config' }, config.yaml));
  } catch (e) {
    root.append(el('p', { class: 'error' }, e.message));
  }
}
