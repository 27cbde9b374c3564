// The console's shell: draws the page named by the URL's path and keeps links inside the page.
import * as query from './query.js';
import * as alerts from './alerts.js';
import * as rules from './rules.js';
import * as status from './status.js';
import * as fleet from './fleet.js';
import * as node from './node.js';
import { el, navigate, settings } from './ui.js';

const pages = { graph: query, alerts, rules, status, fleet, node };
let current = null;

function pageName() {
  const p = location.pathname.replace(/^\/+|\/+$/g, '');
  return p === '' ? 'graph' : p;
}

function render() {
  const name = pageName();
  const page = pages[name];
  if (current && current.leave) current.leave();
  current = page || null;
  const root = document.getElementById('page');
  root.replaceChildren();
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('active', a.dataset.page === name || (name === 'node' && a.dataset.page === 'fleet'));
  }
  if (!page) {
    root.append(el('p', { class: 'error' }, `No page at ${location.pathname}.`));
    return;
  }
  document.title = `Vigil · ${name[0].toUpperCase()}${name.slice(1)}`;
  page.render(root, new URLSearchParams(location.search));
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || a.target || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/console/')) return;
  if (!(url.pathname.replace(/^\/+/, '').split('/')[0] in pages) && url.pathname !== '/') return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', render);

const utc = document.getElementById('utc');
utc.checked = settings.utc;
utc.addEventListener('change', () => {
  settings.utc = utc.checked;
  render();
});
render();
