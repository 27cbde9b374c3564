// The Fleet page: one row per node pushing to this server (GET /api/v1/fleet), refreshed every
// few seconds; stale nodes first; filter and sort by any column; each node links to its graphs.
// A vigil-agent's backlog per destination comes from the vigil_* self-metrics it pushes; a
// figure that grew since the last refresh is marked.
import { get } from './api.js';
import { el, formatAge, formatTime } from './ui.js';

const REFRESH_MS = 5000;
let timer = null;
const previous = new Map();  // node key + destination -> pending bytes at the last refresh

const bytes = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
const rate = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(2));

// The backlog figures by destination: {destination: {pending, newestSent, dropped, retried, failed}}.
export function backlogByDestination(figures) {
  const by = {};
  const at = (d) => (by[d] ??= { pending: null, newestSent: null, dropped: 0, droppedBy: {}, retried: 0, failed: 0 });
  let walBytes = null;
  for (const f of figures) {
    if (f.name === 'vigil_wal_bytes') walBytes = f.value;
    if (!f.destination) continue;
    const d = at(f.destination);
    if (f.name === 'vigil_wal_pending_bytes') d.pending = f.value;
    if (f.name === 'vigil_remote_highest_sent_timestamp_seconds') d.newestSent = f.value;
    if (f.name === 'vigil_remote_samples_dropped_total' || f.name === 'vigil_wal_dropped_samples_total') {
      // The log's size or age cap drops too: its reason is named here.
      const reason = f.name === 'vigil_wal_dropped_samples_total' ? 'wal_cap' : f.reason || 'other';
      d.dropped += f.value;
      d.droppedBy[reason] = (d.droppedBy[reason] || 0) + f.value;
    }
    if (f.name === 'vigil_remote_samples_retried_total') d.retried = f.value;
    if (f.name === 'vigil_remote_samples_failed_total') d.failed = f.value;
  }
  return { walBytes, destinations: by };
}

const COLUMNS = [
  { key: 'state', title: 'State', sort: (n) => (n.stale ? 0 : 1), text: (n) => (n.stale ? 'stale' : 'up') },
  { key: 'instance', title: 'Instance', sort: (n) => n.instance },
  { key: 'job', title: 'Job', sort: (n) => n.job },
  { key: 'kind', title: 'Sender', sort: (n) => `${n.kind} ${n.version}`, text: (n) => `${n.kind}${n.version ? ` ${n.version}` : ''}` },
  { key: 'arch', title: 'Arch', sort: (n) => n.arch },
  { key: 'remoteAddress', title: 'Address', sort: (n) => n.remoteAddress },
  { key: 'lastSeen', title: 'Last request', sort: (n) => -(n.lastSeen || 0) },
  { key: 'requestsPerSecond', title: 'Req/s', sort: (n) => n.requestsPerSecond },
  { key: 'samplesPerSecond', title: 'Samples/s', sort: (n) => n.samplesPerSecond },
  { key: 'lagSeconds', title: 'Lag', sort: (n) => n.lagSeconds ?? -1e18 },
  { key: 'lastRefused', title: 'Last refused', sort: (n) => -(n.lastRefused ? n.lastRefused.time : 0) },
  { key: 'backlog', title: 'Backlog (per destination)', sort: (n) => Object.values(backlogByDestination(n.backlog).destinations).reduce((s, d) => s + (d.pending || 0), 0) },
];

function backlogCell(n, now) {
  const { walBytes, destinations } = backlogByDestination(n.backlog);
  const names = Object.keys(destinations).sort();
  if (names.length === 0) return n.kind === 'vigil-agent' ? el('span', { class: 'muted' }, 'no self-metrics pushed') : '';
  const list = el('div', { class: 'backlog' });
  if (walBytes !== null) list.append(el('div', { class: 'muted' }, `WAL ${bytes(walBytes)}`));
  for (const name of names) {
    const d = destinations[name];
    const key = `${n.job}/${n.instance}/${name}`;
    const before = previous.get(key);
    const growing = d.pending !== null && before !== undefined && d.pending > before;
    if (d.pending !== null) previous.set(key, d.pending);
    const unsent = d.pending > 0 ? (d.newestSent ? `unsent since ${formatAge(now - d.newestSent)}` : 'nothing sent yet') : 'sent';
    list.append(el('div', { class: `destination${growing ? ' growing' : ''}`, 'data-destination': name, 'data-pending': d.pending ?? '' },
      el('b', {}, name), `: ${d.pending !== null ? bytes(d.pending) : '?'} pending${growing ? ' ↑' : ''}, ${unsent}`,
      d.dropped ? `, ${d.dropped} dropped (${Object.entries(d.droppedBy).filter(([, v]) => v).map(([r, v]) => `${r} ${v}`).join(', ')})` : '',
      d.retried ? `, ${d.retried} retried` : ''));
  }
  return list;
}

function cell(col, n, now) {
  switch (col.key) {
    case 'state': return el('span', { class: `state ${n.stale ? 'stale' : 'up'}` }, n.stale ? 'stale' : 'up');
    case 'instance': return el('a', { href: `/node?job=${encodeURIComponent(n.job)}&instance=${encodeURIComponent(n.instance)}` }, n.instance || '(none)');
    case 'lastSeen': return n.lastSeen ? el('span', { title: formatTime(n.lastSeen * 1000) }, `${formatAge(now - n.lastSeen)} ago`) : '';
    case 'requestsPerSecond': return rate(n.requestsPerSecond);
    case 'samplesPerSecond': return rate(n.samplesPerSecond);
    case 'lagSeconds': return n.lagSeconds === null ? '' : formatAge(n.lagSeconds);
    case 'lastRefused': return n.lastRefused
      ? el('span', { class: 'error', title: n.lastRefused.reason }, `${n.lastRefused.status} ${formatAge(now - n.lastRefused.time)} ago: ${n.lastRefused.reason.slice(0, 80)}`)
      : '';
    case 'backlog': return backlogCell(n, now);
    default: return col.text ? col.text(n) : String(n[col.key] ?? '');
  }
}

export async function render(root, params) {
  let sortKey = params.get('sort') || 'state';
  let descending = params.get('desc') === '1';
  const filter = el('input', { class: 'filter', placeholder: 'Filter: any column', value: params.get('filter') || '' });
  const summary = el('span', { class: 'counts' });
  const table = el('table', { class: 'grid fleet' });
  root.append(el('h1', {}, 'Fleet'), el('div', { class: 'toolbar' }, filter, summary), table);
  let data = { senders: [], now: Date.now() / 1000, staleAfterSeconds: 0 };
  const draw = () => {
    const q = new URLSearchParams();
    if (filter.value) q.set('filter', filter.value);
    if (sortKey !== 'state') q.set('sort', sortKey);
    if (descending) q.set('desc', '1');
    history.replaceState(null, '', `/fleet${q.toString() ? `?${q}` : ''}`);
    const col = COLUMNS.find((c) => c.key === sortKey) || COLUMNS[0];
    const text = filter.value.toLowerCase();
    let rows = data.senders.filter((n) => !text || JSON.stringify(n).toLowerCase().includes(text));
    rows.sort((a, b) => {
      const x = col.sort(a);
      const y = col.sort(b);
      const c = typeof x === 'string' ? x.localeCompare(y) : x - y;
      // Stale nodes stay on top whatever the column, as the page promises.
      return (a.stale === b.stale ? 0 : a.stale ? -1 : 1) || c || a.instance.localeCompare(b.instance);
    });
    if (descending) rows = [...rows.filter((n) => n.stale).reverse(), ...rows.filter((n) => !n.stale).reverse()];
    const stale = data.senders.filter((n) => n.stale).length;
    summary.textContent = `${data.senders.length} senders · ${stale} stale (after ${formatAge(data.staleAfterSeconds)} without a request)`;
    table.replaceChildren(
      el('thead', {}, el('tr', {}, ...COLUMNS.map((c) => el('th', {
        class: `sortable${c.key === sortKey ? (descending ? ' desc' : ' asc') : ''}`,
        onclick: () => { descending = c.key === sortKey ? !descending : false; sortKey = c.key; draw(); },
      }, c.title)))),
      el('tbody', {}, ...rows.map((n) => el('tr', { class: n.stale ? 'stale' : '', 'data-instance': n.instance },
        ...COLUMNS.map((c) => el('td', { class: `col-${c.key}` }, cell(c, n, data.now)))))));
  };
  filter.addEventListener('input', draw);
  const load = async () => {
    try {
      data = await get('/api/v1/fleet');
      draw();
    } catch (e) {
      table.replaceChildren(el('caption', { class: 'error' }, e.message));
    }
  };
  await load();
  timer = setInterval(load, REFRESH_MS);
}

export function leave() {
  clearInterval(timer);
}
