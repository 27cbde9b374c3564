// Completion for the expression box: metric names, label names and values from the API, and
// PromQL's functions and keywords. Built for servers with hundreds of thousands of names: a
// keystroke waits for a pause (debounce) before anything is looked up or filtered, each list
// is fetched once and kept, at most MAX_SHOWN suggestions are drawn, and label names and values
// are asked for one metric at a time over the last hour. Prometheus 2.42's /api/v1/labels and
// /api/v1/label/NAME/values take no `limit` parameter (added in 2.49), so the caps are the
// client's.
import { get } from './api.js';
import { el } from './ui.js';

export const MAX_SHOWN = 30;
const DEBOUNCE_MS = 150;

export const FUNCTIONS = [
  'abs', 'absent', 'absent_over_time', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh',
  'avg_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'cos', 'cosh',
  'count_over_time', 'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'deg', 'delta',
  'deriv', 'exp', 'floor', 'histogram_quantile', 'holt_winters', 'hour', 'idelta', 'increase',
  'irate', 'label_join', 'label_replace', 'last_over_time', 'ln', 'log10', 'log2',
  'max_over_time', 'min_over_time', 'minute', 'month', 'pi', 'predict_linear',
  'present_over_time', 'quantile_over_time', 'rad', 'rate', 'resets', 'round', 'scalar', 'sgn',
  'sin', 'sinh', 'sort', 'sort_desc', 'sqrt', 'stddev_over_time', 'stdvar_over_time',
  'sum_over_time', 'tan', 'tanh', 'time', 'timestamp', 'vector', 'year',
];
export const AGGREGATIONS = ['avg', 'bottomk', 'count', 'count_values', 'group', 'max', 'min',
  'quantile', 'stddev', 'stdvar', 'sum', 'topk'];
export const KEYWORDS = ['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left',
  'group_right', 'offset', 'bool', 'atan2'];

const cache = new Map();  // url+params -> Promise<string[]>
function cached(path, params) {
  const key = path + JSON.stringify(params);
  if (!cache.has(key)) {
    const p = get(path, params).catch(() => []);
    cache.set(key, p);
  }
  return cache.get(key);
}

const hourAgo = () => String(Math.floor(Date.now() / 1000) - 3600);
export const metricNames = () => cached('/api/v1/label/__name__/values', {});
const labelNames = (metric) => cached('/api/v1/labels', { 'match[]': metric, start: hourAgo() });
const labelValues = (metric, name) =>
  cached(`/api/v1/label/${encodeURIComponent(name)}/values`, { 'match[]': metric || '{__name__=~".+"}', start: hourAgo() });

// What is being typed at `pos`: {kind: 'metric'|'label'|'value', prefix, start, metric, label}.
export function contextAt(text, pos) {
  const before = text.slice(0, pos);
  const open = before.lastIndexOf('{');
  const close = before.lastIndexOf('}');
  if (open > close) {
    const metric = (/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*$/.exec(before.slice(0, open)) || [])[1] || '';
    const inside = before.slice(open + 1);
    const value = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)$/.exec(inside);
    if (value) return { kind: 'value', prefix: value[3], start: pos - value[3].length, metric, label: value[1] };
    const name = /(?:^|[,{\s])([a-zA-Z_][a-zA-Z0-9_]*)?$/.exec(inside);
    if (name && !/"[^"]*$/.test(inside.replace(/"[^"]*"/g, ''))) {
      const prefix = name[1] || '';
      return { kind: 'label', prefix, start: pos - prefix.length, metric };
    }
    return null;
  }
  // by (...) / without (...) / on (...) / ignoring (...): label names of the whole expression.
  const grouping = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)$/.exec(before);
  if (grouping) {
    const prefix = (/([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(grouping[2]) || [''])[0];
    const metric = (/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/.exec(text) || [])[1] || '';
    return { kind: 'label', prefix, start: pos - prefix.length, metric };
  }
  if (/"[^"]*$/.test(before.replace(/"[^"]*"/g, ''))) return null;  // inside a string
  const word = /([a-zA-Z_:][a-zA-Z0-9_:]*)$/.exec(before);
  if (!word) return null;
  return { kind: 'metric', prefix: word[1], start: pos - word[1].length };
}

// The names that match `prefix`: those starting with it first, then those containing it;
// at most `max`, and how many matched in all.
export function rank(names, prefix, max = MAX_SHOWN) {
  const p = prefix.toLowerCase();
  const starts = [];
  const contains = [];
  let total = 0;
  for (const n of names) {
    const l = n.toLowerCase();
    if (l.startsWith(p)) {
      total++;
      if (starts.length < max) starts.push(n);
    } else if (p && l.includes(p)) {
      total++;
      if (contains.length < max) contains.push(n);
    }
  }
  return { items: starts.concat(contains).slice(0, max), total };
}

// Attaches completion to `input` (a textarea). `onRun` is called for Enter without a menu.
export function attachAutocomplete(input, onRun) {
  const menu = el('ul', { class: 'ac-menu', hidden: true, role: 'listbox' });
  input.after(menu);
  let items = [];
  let selected = 0;
  let context = null;
  let timer = null;
  let generation = 0;

  const close = () => {
    menu.hidden = true;
    items = [];
  };
  const accept = (i) => {
    const item = items[i];
    if (!item || !context) return;
    const text = input.value;
    const end = input.selectionStart;
    let insert = item.text;
    if (context.kind === 'value') insert = insert.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    input.value = text.slice(0, context.start) + insert + text.slice(end);
    const caret = context.start + insert.length;
    input.setSelectionRange(caret, caret);
    close();
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.focus();
  };
  const draw = (list, total) => {
    items = list;
    selected = 0;
    menu.replaceChildren(...list.map((item, i) => el('li', {
      class: i === selected ? 'selected' : undefined,
      role: 'option',
      onmousedown: (e) => { e.preventDefault(); accept(i); },
    }, el('span', { class: 'ac-text' }, item.text), el('span', { class: 'ac-kind' }, item.kind))));
    if (total > list.length) menu.append(el('li', { class: 'ac-more' }, `${total - list.length} more: keep typing`));
    menu.hidden = list.length === 0;
  };
  const lookup = async () => {
    const mine = ++generation;
    context = contextAt(input.value, input.selectionStart);
    if (!context || (context.kind === 'metric' && context.prefix.length === 0)) return close();
    let list = [];
    let total = 0;
    if (context.kind === 'metric') {
      const fixed = [
        ...FUNCTIONS.map((f) => ({ text: f, kind: 'function' })),
        ...AGGREGATIONS.map((f) => ({ text: f, kind: 'aggregation' })),
        ...KEYWORDS.map((f) => ({ text: f, kind: 'keyword' })),
      ];
      const own = rank(fixed.map((f) => f.text), context.prefix, 8);
      const kinds = new Map(fixed.map((f) => [f.text, f.kind]));
      const names = await metricNames();
      if (mine !== generation) return;
      const metrics = rank(names, context.prefix, MAX_SHOWN - own.items.length);
      list = [...metrics.items.map((t) => ({ text: t, kind: 'metric' })), ...own.items.map((t) => ({ text: t, kind: kinds.get(t) }))];
      total = metrics.total + own.total;
    } else if (context.kind === 'label') {
      const names = await labelNames(context.metric);
      if (mine !== generation) return;
      const r = rank(names.filter((n) => n !== '__name__'), context.prefix);
      list = r.items.map((t) => ({ text: t, kind: 'label' }));
      total = r.total;
    } else {
      const values = await labelValues(context.metric, context.label);
      if (mine !== generation) return;
      const r = rank(values, context.prefix);
      list = r.items.map((t) => ({ text: t, kind: 'value' }));
      total = r.total;
    }
    if (list.length === 1 && list[0].text === context.prefix) return close();
    draw(list, total);
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(lookup, DEBOUNCE_MS);
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
  input.addEventListener('keydown', (e) => {
    const open = !menu.hidden && items.length > 0;
    if (open && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      selected = (selected + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
      [...menu.children].forEach((li, i) => li.classList.toggle('selected', i === selected));
    } else if (open && (e.key === 'Tab' || e.key === 'Enter')) {
      e.preventDefault();
      accept(selected);
    } else if (open && e.key === 'Escape') {
      close();
    } else if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      clearTimeout(timer);
      close();
      onRun();
    }
  });
  return { close };
}
