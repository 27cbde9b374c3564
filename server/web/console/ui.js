// What every page shares: elements, time in local time or UTC, durations, label sets.

export const settings = {
  get utc() { return localStorage.getItem('vigil.utc') === '1'; },
  set utc(v) { localStorage.setItem('vigil.utc', v ? '1' : '0'); },
};

// el('div', {class: 'x', onclick: f}, child, 'text' ...)
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'value') e.value = v;
    else if (k === 'checked') e.checked = !!v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// Milliseconds since the epoch as "2024-05-01 13:04:05" in the chosen zone.
export function formatTime(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '';
  const d = new Date(ms);
  if (settings.utc) {
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
      `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  }
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// "2024-05-01 13:04:05" (or with a T) in the chosen zone -> milliseconds; NaN when unreadable.
export function parseTime(text) {
  const m = /^\s*(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d))?)?\s*$/.exec(text || '');
  if (!m) return NaN;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x || 0));
  return settings.utc ? Date.UTC(y, mo - 1, d, h, mi, s) : new Date(y, mo - 1, d, h, mi, s).getTime();
}

// Seconds as "3m 20s", "2h 5m", "4d 1h".
export function formatAge(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '';
  const neg = seconds < 0;
  let s = Math.abs(seconds);
  let out;
  if (s < 1) out = `${Math.round(s * 1000)}ms`;
  else if (s < 60) out = `${s.toFixed(s < 10 ? 1 : 0)}s`;
  else if (s < 3600) out = `${Math.floor(s / 60)}m ${Math.floor(s % 60)}s`;
  else if (s < 86400) out = `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  else out = `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
  return neg ? `-${out}` : out;
}

// {__name__: "up", job: "node"} -> 'up{job="node"}'
export function formatLabels(metric) {
  const name = metric.__name__ || '';
  const pairs = Object.keys(metric).filter((k) => k !== '__name__').sort()
    .map((k) => `${k}=${JSON.stringify(metric[k])}`);
  return `${name}{${pairs.join(', ')}}`;
}

// Moves to another page of the console without reloading (app.js draws it).
export function navigate(url) {
  history.pushState(null, '', url);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
