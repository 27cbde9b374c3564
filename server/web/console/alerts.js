// The Alerts page: every alerting rule with its state (inactive, pending, firing) and its
// active alerts' labels, annotations, time active since and value; filtered by state and text.
import { get } from './api.js';
import { el, formatLabels, formatTime } from './ui.js';

const STATES = ['firing', 'pending', 'inactive'];
let timer = null;

function alertTable(alerts) {
  return el('table', { class: 'alerts' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Labels'), el('th', {}, 'State'), el('th', {}, 'Active since'), el('th', {}, 'Value'), el('th', {}, 'Annotations'))),
    el('tbody', {}, ...alerts.map((a) => el('tr', {},
      el('td', {}, ...Object.entries(a.labels).map(([k, v]) => el('span', { class: 'label' }, `${k}="${v}"`))),
      el('td', {}, el('span', { class: `state ${a.state}` }, a.state)),
      el('td', {}, formatTime(Date.parse(a.activeAt))),
      el('td', { class: 'value' }, a.value),
      el('td', {}, ...Object.entries(a.annotations || {}).map(([k, v]) => el('div', {}, el('b', {}, `${k}: `), v)))))));
}

function ruleView(group, rule) {
  const details = el('details', { class: `alert-rule ${rule.state}`, open: rule.state !== 'inactive' },
    el('summary', {},
      el('span', { class: `state ${rule.state}` }, rule.state),
      el('span', { class: 'rule-name' }, rule.name),
      el('span', { class: 'count' }, `(${rule.alerts.length} active)`),
      el('span', { class: 'group' }, `${group.file} › ${group.name}`)),
    el('pre', { class: 'rule-def' },
      `alert: ${rule.name}\nexpr: ${rule.query}` +
      (rule.duration ? `\nfor: ${rule.duration}s` : '') +
      (Object.keys(rule.labels || {}).length ? `\nlabels: ${formatLabels(rule.labels)}` : '')),
    el('a', { href: `/graph?g0.expr=${encodeURIComponent(rule.query)}&g0.tab=1` }, 'Open the expression'));
  if (rule.alerts.length) details.append(alertTable(rule.alerts));
  return details;
}

export async function render(root, params) {
  const shown = new Set((params.get('state') || STATES.join(',')).split(',').filter((s) => STATES.includes(s)));
  const search = el('input', { class: 'filter', placeholder: 'Filter by name, label or annotation', value: params.get('search') || '' });
  const counts = el('span', { class: 'counts' });
  const list = el('div', { class: 'alert-list' });
  const boxes = STATES.map((s) => el('label', { class: `state-filter ${s}` },
    el('input', { type: 'checkbox', checked: shown.has(s), onchange: (e) => { if (e.target.checked) shown.add(s); else shown.delete(s); draw(); } }), ` ${s} `));
  root.append(el('h1', {}, 'Alerts'), el('div', { class: 'toolbar' }, ...boxes, search, counts), list);
  let groups = [];
  const draw = () => {
    const q = new URLSearchParams();
    if (shown.size !== STATES.length) q.set('state', [...shown].join(','));
    if (search.value) q.set('search', search.value);
    history.replaceState(null, '', `/alerts${q.toString() ? `?${q}` : ''}`);
    const text = search.value.toLowerCase();
    const tally = { firing: 0, pending: 0, inactive: 0 };
    const views = [];
    for (const g of groups) {
      for (const r of g.rules) {
        if (r.type !== 'alerting') continue;
        tally[r.state] = (tally[r.state] || 0) + 1;
        if (!shown.has(r.state)) continue;
        const haystack = JSON.stringify([r.name, r.query, r.labels, r.annotations, r.alerts.map((a) => [a.labels, a.annotations])]).toLowerCase();
        if (text && !haystack.includes(text)) continue;
        views.push(ruleView(g, r));
      }
    }
    counts.textContent = `firing ${tally.firing} · pending ${tally.pending} · inactive ${tally.inactive}`;
    list.replaceChildren(...views);
    if (views.length === 0) list.append(el('p', { class: 'empty' }, 'No alerting rule matches.'));
  };
  search.addEventListener('input', draw);
  const load = async () => {
    try {
      groups = (await get('/api/v1/rules', { type: 'alert' })).groups;
      draw();
    } catch (e) {
      list.replaceChildren(el('p', { class: 'error' }, e.message));
    }
  };
  await load();
  timer = setInterval(load, 15000);
}

export function leave() {
  clearInterval(timer);
}
