// A range query's matrix drawn with uPlot: lines or stacked areas, a legend that toggles
// series and shows every series' labels and value under the cursor, at most maxSeries drawn.
import { el, formatLabels, formatTime, settings } from './ui.js';

// Distinct colours for neighbouring series: hues a golden angle apart.
export function color(i, alpha = 1) {
  const hue = (i * 137.508) % 360;
  return `hsla(${hue.toFixed(1)}, 65%, 45%, ${alpha})`;
}

function formatValue(v) {
  if (v === null || v === undefined) return '–';
  if (Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0)) return v.toExponential(3);
  return String(Math.round(v * 1000) / 1000);
}

// Columns for uPlot: one x per step from start to end, each series' values on those x (null
// where it has no point).
export function align(series, start, end, step) {
  const n = Math.floor((end - start) / step) + 1;
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = start + i * step;
  const columns = [xs];
  for (const s of series) {
    const ys = new Array(n).fill(null);
    for (const [t, v] of s.values) {
      const i = Math.round((t - start) / step);
      if (i >= 0 && i < n) ys[i] = Number(v);
    }
    columns.push(ys);
  }
  return columns;
}

// Draws into `container` (emptied first). Returns {drawn, total, renderMs, plot}.
export function drawGraph(container, result, { start, end, step, stacked = false, maxSeries = 100, height = 320 }) {
  container.replaceChildren();
  const total = result.length;
  const series = result.slice(0, maxSeries);
  const t0 = performance.now();
  const raw = align(series, start, end, step);
  let data = raw;
  if (stacked) {
    // Each series is drawn on top of those before it; the legend still shows its own value.
    data = [raw[0]];
    let below = new Array(raw[0].length).fill(0);
    for (let s = 1; s < raw.length; s++) {
      const sum = raw[s].map((v, i) => (v === null ? below[i] : below[i] + v));
      data.push(sum);
      below = sum;
    }
  }
  const width = Math.max(300, container.clientWidth || 800);
  const opts = {
    width,
    height,
    scales: { x: { time: true } },
    series: [
      { value: (u, v) => (v === null ? '' : formatTime(v * 1000)) },
      ...series.map((s, i) => ({
        label: formatLabels(s.metric),
        stroke: color(i),
        width: 1.25,
        fill: stacked ? color(i, 0.35) : undefined,
        value: (u, v, si, idx) => formatValue(idx === null || idx === undefined ? null : raw[si][idx]),
        points: { show: false },
      })),
    ],
    bands: stacked ? series.slice(1).map((_, i) => ({ series: [i + 2, i + 1], fill: color(i + 1, 0.35) })) : [],
    axes: [{}, { values: (u, splits) => splits.map(formatValue), size: 70 }],
    legend: { live: true },
    cursor: { points: { size: 5 } },
    tzDate: settings.utc ? (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC') : undefined,
  };
  if (stacked) {
    for (let i = 2; i < opts.series.length; i++) opts.series[i].fill = undefined;
    if (opts.series[1]) opts.series[1].fill = color(0, 0.35);
  }
  const note = el('div', { class: 'graph-note' },
    total > series.length ? `showing ${series.length} of ${total} series` : `${total} series`);
  const plotBox = el('div', { class: 'plot' });
  container.append(note, plotBox);
  const plot = new uPlot(opts, data, plotBox);
  const renderMs = performance.now() - t0;
  container.dataset.renderMs = renderMs.toFixed(1);
  container.dataset.series = String(series.length);
  return { drawn: series.length, total, renderMs, plot };
}
