// The web console in Debian's chromium (headless, driven by playwright-core from web/), against
// a real vigil-server with three real vigil-agents on loopback:
//   node console_test.js AGENT SERVER OUTDIR
// The page loads with no console errors; a query typed with autocomplete runs and draws the
// expected series; the table agrees with /api/v1/query; a bad query shows its error and
// position; the Alerts page shows a firing alert of a `vector(1)` rule; the Rules page shows
// the groups with their health; the Status page; the Fleet page lists the three agents, the
// stopped one stale and the one whose other destination refuses with a growing backlog.
// Screenshots of each page go to OUTDIR. The time a graph of 50 series x 1h at 15s takes to
// draw is printed, not asserted.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');
const { createRequire } = require('module');

const root = path.resolve(__dirname, '../..');
const { chromium } = createRequire(path.join(root, 'web/package.json'))('playwright-core');
const [agentBin, serverBin, outDir] = process.argv.slice(2);
if (!agentBin || !serverBin || !outDir) {
  console.error('usage: console_test.js AGENT SERVER OUTDIR');
  process.exit(2);
}
const CHROMIUM = process.env.VIGIL_CHROMIUM || '/usr/bin/chromium';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-console-'));
fs.mkdirSync(outDir, { recursive: true });
const children = [];
let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`ok: ${name}`);
  } else {
    failed++;
    console.log(`FAIL: ${name}${detail ? `: ${detail}` : ''}`);
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function start(bin, config, name) {
  const log = fs.openSync(path.join(work, `${name}.log`), 'a');
  const child = spawn(bin, ['--config', config], { stdio: ['ignore', log, log] });
  children.push(child);
  return child;
}

async function waitHttp(url, seconds) {
  for (let i = 0; i < seconds * 10; i++) {
    try {
      const r = await fetch(url);
      if (r.ok) return true;
    } catch (e) { /* not up yet */ }
    await sleep(100);
  }
  return false;
}

async function api(base, p, params = {}) {
  const r = await fetch(`${base}${p}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return (await r.json()).data;
}

// --- a remote-write request by hand: protobuf, then snappy with literals only (valid snappy,
// uncompressed), enough to load a known hour of data.
function varint(n) {
  const out = [];
  let v = BigInt(n);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}
const field = (num, wire, payload) => Buffer.concat([varint((num << 3) | wire), payload]);
const bytesField = (num, buf) => field(num, 2, Buffer.concat([varint(buf.length), buf]));
function writeRequest(series) {
  const parts = series.map(({ labels, samples }) => {
    const ls = Object.keys(labels).sort().map((k) => bytesField(1, Buffer.concat([
      bytesField(1, Buffer.from(k)), bytesField(2, Buffer.from(labels[k]))])));
    const ss = samples.map(([t, v]) => {
      const d = Buffer.alloc(8);
      d.writeDoubleLE(v);
      return bytesField(2, Buffer.concat([field(1, 1, d), field(2, 0, varint(t))]));
    });
    return bytesField(1, Buffer.concat([...ls, ...ss]));
  });
  return Buffer.concat(parts);
}
function snappyLiteral(raw) {
  const out = [varint(raw.length)];
  for (let i = 0; i < raw.length; i += 65536) {
    const chunk = raw.subarray(i, i + 65536);
    const n = chunk.length - 1;
    out.push(Buffer.from([61 << 2, n & 0xff, n >> 8]), chunk);
  }
  return Buffer.concat(out);
}
async function push(base, series) {
  const r = await fetch(`${base}/api/v1/write`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy',
      'X-Prometheus-Remote-Write-Version': '0.1.0', 'User-Agent': 'console-test' },
    body: snappyLiteral(writeRequest(series)),
  });
  if (r.status !== 204) throw new Error(`push: ${r.status} ${await r.text()}`);
}

const LOAD_SERIES = 50;
const STEP_S = 15;

async function main() {
  const [serverPort, refuserPort, ...agentPorts] = await Promise.all([0, 1, 2, 3, 4].map(freePort));
  const base = `http://127.0.0.1:${serverPort}`;

  // A destination that refuses everything with 503: the third agent's log grows for it.
  const refuser = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(503); res.end('refusing on purpose\n'); });
  });
  await new Promise((r) => refuser.listen(refuserPort, '127.0.0.1', r));

  fs.writeFileSync(path.join(work, 'rules.yml'), `groups:
  - name: console-test
    interval: 1s
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        labels:
          severity: page
        annotations:
          summary: fires without any data
      - record: job:up:sum
        expr: sum by (job) (up)
`);
  fs.writeFileSync(path.join(work, 'server.ini'), `[server]
listen = 127.0.0.1:${serverPort}
data_dir = ${work}/server
[rules]
files = ${work}/rules.yml
evaluation_interval = 1s
[fleet]
stale_after = 4s
`);
  start(serverBin, path.join(work, 'server.ini'), 'server');
  check('server ready', await waitHttp(`${base}/-/ready`, 20));

  const agents = [];
  for (let i = 0; i < 3; i++) {
    const extra = i === 2 ? `[remote_write.refuser]
url = http://127.0.0.1:${refuserPort}/api/v1/write
batch_send_deadline = 1s
min_backoff = 100ms
max_backoff = 500ms
` : '';
    const ini = path.join(work, `agent${i}.ini`);
    fs.writeFileSync(ini, `[agent]
node_name = console-node-${i}
interval = 1s
data_dir = ${work}/agent${i}
[http]
listen = 127.0.0.1:${agentPorts[i]}
[remote_write.central]
url = ${base}/api/v1/write
batch_send_deadline = 1s
max_backoff = 2s
${extra}`);
    agents.push(start(agentBin, ini, `agent${i}`));
  }
  for (let i = 0; i < 3; i++) check(`agent ${i} healthy`, await waitHttp(`http://127.0.0.1:${agentPorts[i]}/-/healthy`, 20));

  // An hour of 50 series at 15s, ending a second ago: what the graph draws and is timed on.
  const end = Math.floor(Date.now() / 1000) - 1;
  const load = [];
  for (let s = 0; s < LOAD_SERIES; s++) {
    const samples = [];
    for (let t = end - 3600; t <= end; t += STEP_S) samples.push([t * 1000, Math.sin(t / 600 + s) * 10 + s]);
    load.push({ labels: { __name__: 'console_test_load', job: 'load', series: String(s).padStart(2, '0') }, samples });
  }
  await push(base, load);

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = [];
    // The bad query's 400 is the one failed request expected; Chromium logs it as an error.
    let expect400 = false;
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (expect400 && /status of 400/.test(m.text())) return;
      errors.push(`${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    const shot = (name) => page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });

    // The query page, with autocomplete.
    await page.goto(`${base}/`);
    await page.waitForSelector('textarea.expr');
    check('the page loads with no console errors', errors.length === 0, errors.join(' | '));
    await page.click('button.tab:has-text("Graph")');
    await page.fill('input.step', String(STEP_S));
    await page.focus('textarea.expr');
    await page.keyboard.type('console_te', { delay: 30 });
    await page.waitForSelector('.ac-menu li:has-text("console_test_load")', { timeout: 10000 });
    check('autocomplete offers the metric name', true);
    await page.keyboard.press('Tab');
    const typed = await page.inputValue('textarea.expr');
    check('autocomplete completes the name', typed === 'console_test_load', typed);
    // What one keystroke costs against a server with 200k metric names: the page filters its
    // cached list and draws at most MAX_SHOWN.
    const rankMs = await page.evaluate(async () => {
      const m = await import('/console/autocomplete.js');
      const names = Array.from({ length: 200000 }, (_, i) => `metric_${i % 977}_name_${i}`);
      const t = performance.now();
      const r = m.rank(names, 'metric_12');
      return { ms: performance.now() - t, shown: r.items.length, total: r.total, max: m.MAX_SHOWN };
    });
    console.log(`completion over 200k names: ${rankMs.ms.toFixed(1)} ms a keystroke, ${rankMs.shown} of ${rankMs.total} shown`);
    check('completion over 200k names draws at most MAX_SHOWN', rankMs.shown <= rankMs.max && rankMs.total > rankMs.shown);
    const t0 = Date.now();
    await page.keyboard.press('Enter');
    await page.waitForSelector('.graph[data-series] canvas', { timeout: 15000 });
    const wall = Date.now() - t0;
    const drawn = Number(await page.getAttribute('.graph', 'data-series'));
    const renderMs = Number(await page.getAttribute('.graph', 'data-render-ms'));
    check(`the graph draws ${LOAD_SERIES} series`, drawn === LOAD_SERIES, `drew ${drawn}`);
    const legend = await page.locator('.u-legend .u-series').count();
    check('the legend lists them', legend === LOAD_SERIES + 1, `${legend} legend rows`);
    console.log(`graph of ${LOAD_SERIES} series x 1h at ${STEP_S}s: drawn in ${renderMs.toFixed(1)} ms ` +
      `(uPlot and data alignment); ${wall} ms from Enter to the canvas, the query included`);
    const cost = await page.textContent('.stats');
    const read = Number((/Samples read: (\d+)/.exec(cost) || [])[1]);
    check('the query\'s own cost is shown: samples read from storage', read >= LOAD_SERIES, cost);
    const url = new URL(page.url());
    check('the URL holds the query', url.searchParams.get('g0.expr') === 'console_test_load' && url.searchParams.get('g0.tab') === '0', page.url());
    await shot('graph');
    // A smaller picture of the graph page, as the README shows it.
    await page.setViewportSize({ width: 1100, height: 560 });
    await page.goto(`${base}/graph?g0.expr=${encodeURIComponent('console_test_load{series=~"0[0-7]"}')}&g0.tab=0&g0.range_input=1h&g0.step_input=15`);
    await page.waitForSelector('.graph[data-series] canvas');
    await page.mouse.move(600, 300);
    await page.screenshot({ path: path.join(outDir, 'readme-graph.png') });
    await page.setViewportSize({ width: 1400, height: 900 });

    // Table view agrees with the API, at the same evaluation time.
    const moment = new Date((end + 30) * 1000);
    const pad = (n) => String(n).padStart(2, '0');
    const momentText = `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())} ${pad(moment.getHours())}:${pad(moment.getMinutes())}:${pad(moment.getSeconds())}`;
    await page.goto(`${base}/graph?g0.expr=${encodeURIComponent('console_test_load')}&g0.tab=1&g0.moment_input=${encodeURIComponent(momentText)}`);
    await page.waitForSelector('table.result tbody tr');
    const rows = await page.$$eval('table.result tbody tr', (trs) => trs.map((tr) => [tr.children[0].textContent, tr.children[1].textContent]));
    const fromApi = await api(base, '/api/v1/query', { query: 'console_test_load', time: String(Math.floor(moment.getTime() / 1000)) });
    const expected = new Map(fromApi.result.map((s) => [s.metric.series, s.value[1]]));
    const agree = rows.length === expected.size && rows.every(([labels, value]) => {
      const m = /series="(\d+)"/.exec(labels);
      return m && expected.get(m[1]) === value;
    });
    check('the table agrees with /api/v1/query', agree && rows.length === LOAD_SERIES, `${rows.length} rows, ${expected.size} from the API`);
    await shot('table');

    // A rule's generatorURL lands on the query page in table view.
    await page.goto(`${base}/graph?g0.expr=${encodeURIComponent('vector(1)')}&g0.tab=1`);
    await page.waitForSelector('table.result tbody tr');
    check('a generatorURL opens the table view', (await page.inputValue('textarea.expr')) === 'vector(1)' &&
      (await page.getAttribute('button.tab:has-text("Table")', 'class')).includes('active'));

    // A bad query: its error with the position marked.
    await page.goto(`${base}/graph`);
    expect400 = true;
    await page.fill('textarea.expr', 'sum(rate(console_test_load[5m])');
    await page.click('button.execute');
    await page.waitForSelector('.query-error');
    const message = await page.textContent('.query-error .error-message');
    const position = await page.textContent('.query-error .error-position').catch(() => '');
    check('a bad query shows its error', /parse error/.test(message), message);
    check('the error shows its position', position.includes('^'), position);
    await shot('error');
    expect400 = false;

    // Alerts: the vector(1) rule fires without any data.
    let firing = false;
    for (let i = 0; i < 20 && !firing; i++) {
      await page.goto(`${base}/alerts`);
      await page.waitForSelector('.alert-list');
      firing = (await page.locator('details.alert-rule.firing:has-text("AlwaysFiring")').count()) === 1;
      if (!firing) await sleep(500);
    }
    check('the Alerts page shows the firing alert', firing);
    check('with its labels and annotations', (await page.locator('table.alerts:has-text("severity")').count()) === 1 &&
      (await page.locator('table.alerts:has-text("fires without any data")').count()) === 1);
    await shot('alerts');

    // Rules: the group with its health.
    await page.goto(`${base}/rules`);
    await page.waitForSelector('.rule-group');
    check('the Rules page shows the group', (await page.locator('.rule-group h2:has-text("console-test")').count()) === 1);
    check('with its health', (await page.locator('.rule-group h2 .health.ok').count()) === 1);
    check('and each rule', (await page.locator('table.rules tbody tr').count()) === 2);
    await shot('rules');

    // Status.
    await page.goto(`${base}/status`);
    await page.waitForSelector('section.status');
    const statusText = await page.textContent('main');
    check('the Status page shows build, storage and cardinality',
      /Build information/.test(statusText) && /Head series/.test(statusText) && /console_test_load/.test(statusText), statusText.slice(0, 200));
    await shot('status');

    // Fleet: three agents; one stopped -> stale; the refused one's backlog grows.
    agents[1].kill('SIGTERM');
    await sleep(6000);
    await page.goto(`${base}/fleet`);
    await page.waitForSelector('table.fleet tbody tr');
    const instances = await page.$$eval('table.fleet tbody tr', (trs) => trs.map((tr) => tr.dataset.instance));
    for (let i = 0; i < 3; i++) check(`the fleet lists console-node-${i}`, instances.includes(`console-node-${i}`), instances.join(','));
    // The loader of console_test_load pushed once and is stale too: stale rows come first.
    check('the stopped agent is stale, on top', instances.indexOf('console-node-1') < instances.indexOf('console-node-0') &&
      instances.indexOf('console-node-1') < instances.indexOf('console-node-2') &&
      (await page.locator('tr[data-instance="console-node-1"] .state.stale').count()) === 1, instances.join(','));
    check('the others are up', (await page.locator('tr[data-instance="console-node-0"] .state.up').count()) === 1 &&
      (await page.locator('tr[data-instance="console-node-2"] .state.up').count()) === 1);
    const pending = async () => Number(await page.getAttribute('tr[data-instance="console-node-2"] .destination[data-destination="refuser"]', 'data-pending'));
    const first = await pending();
    let later = first;
    for (let i = 0; i < 12 && later <= first; i++) {
      await sleep(2500);
      later = await pending();
    }
    check('the refused destination\'s backlog grows', later > first, `${first} -> ${later} bytes`);
    check('and is marked growing', (await page.locator('tr[data-instance="console-node-2"] .destination.growing[data-destination="refuser"]').count()) === 1);
    const up = await api(base, '/api/v1/query', { query: 'up{instance="console-node-1"}' });
    check('the server wrote up 0 for the stale agent', up.result.length === 1 && up.result[0].value[1] === '0', JSON.stringify(up.result));
    await shot('fleet');
    await page.setViewportSize({ width: 1300, height: 330 });
    await page.screenshot({ path: path.join(outDir, 'readme-fleet.png') });
    await page.setViewportSize({ width: 1400, height: 900 });

    // The node page: its graphs.
    await page.click('tr[data-instance="console-node-0"] .col-instance a');
    await page.waitForSelector('.node-chart .graph canvas', { timeout: 15000 });
    check('the node page draws its graphs', (await page.locator('.node-chart .graph canvas').count()) >= 3);
    await shot('node');
    check('no console errors on any page', errors.length === 0, errors.join(' | '));
  } finally {
    await browser.close();
  }
  refuser.close();
}

main()
  .catch((e) => {
    failed++;
    console.log(`FAIL: ${e.stack || e}`);
  })
  .finally(() => {
    for (const c of children) c.kill('SIGKILL');
    if (failed) console.log(`logs kept in ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
    console.log(`screenshots in ${outDir}`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  });
