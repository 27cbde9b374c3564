// The Rules page: each group with its file, interval, last evaluation, duration and health,
// and each rule's health and last error.
import { get } from './api.js';
import { el, formatAge, formatTime } from './ui.js';

function health(rules) {
  if (rules.some((r) => r.health === 'err')) return 'err';
  if (rules.length && rules.every((r) => r.health === 'unknown')) return 'unknown';
  return 'ok';
}

function evaluated(t) {
  const ms = Date.parse(t);
  return !ms || ms < 0 ? 'never' : `${formatTime(ms)} (${formatAge((Date.now() - ms) / 1000)} ago)`;
}

function ruleRow(r) {
  const def = r.type === 'alerting'
    ? `alert: ${r.name}\nexpr: ${r.query}${r.duration ? `\nfor: ${r.duration}s` : ''}`
    : `record: ${r.name}\nexpr: ${r.query}`;
  return el('tr', {},
    el('td', {}, el('pre', { class: 'rule-def' }, def), el('a', { href: `/graph?g0.expr=${encodeURIComponent(r.query)}&g0.tab=1` }, 'query')),
    el('td', {}, el('span', { class: `health ${r.health}` }, r.health)),
    el('td', {}, evaluated(r.lastEvaluation)),
    el('td', {}, formatAge(r.evaluationTime)),
    el('td', { class: 'error' }, r.lastError || ''));
}

export async function render(root) {
  root.append(el('h1', {}, 'Rules'));
  let groups;
  try {
    groups = (await get('/api/v1/rules')).groups;
  } catch (e) {
    root.append(el('p', { class: 'error' }, e.message));
    return;
  }
  if (groups.length === 0) root.append(el('p', { class: 'empty' }, 'No rule groups are loaded ([rules] files in server.ini).'));
  for (const g of groups) {
    const h = health(g.rules);
    root.append(el('section', { class: 'rule-group' },
      el('h2', {}, g.name, ' ', el('span', { class: `health ${h}` }, h)),
      el('div', { class: 'group-meta' },
        `file ${g.file} · interval ${g.interval}s · last evaluation ${evaluated(g.lastEvaluation)} · took ${formatAge(g.evaluationTime)}`),
      el('table', { class: 'rules' },
        el('thead', {}, el('tr', {}, el('th', {}, 'Rule'), el('th', {}, 'Health'), el('th', {}, 'Last evaluation'), el('th', {}, 'Duration'), el('th', {}, 'Last error'))),
        el('tbody', {}, ...g.rules.map(ruleRow)))));
  }
}
