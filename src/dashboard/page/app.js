// The cortado dashboard page. It folds the run's records (src/dashboard/records.ts, the same
// records a trace file holds) into a view model. Live, the server sends them over server-sent
// events in frames at most every 250 ms; a replay gets them all at once and folds those up to the
// slider. Watching must cost the run little CPU, so the page does no work per record beyond the
// fold: it redraws in an animation frame after a frame of records, only the panels those records
// changed, by updating the text it shows rather than rebuilding markup; the task stream draws only
// the batches that finished since the last frame (a full redraw only when its time scale grows by a
// quarter), and the charts and histograms redraw at most every 500 ms and 1 s.
/* global uPlot */
'use strict';

const $ = (id) => document.getElementById(id);
const COLORS = ['#2f6fde', '#22a06b', '#e8a317', '#9b59b6', '#e5484d', '#17a2b8', '#8c6d46', '#d35fb7', '#5b6475'];
const MIB = 1024 * 1024;
/** Least time between two redraws of the throughput and memory charts, and of the histograms. */
const CHARTS_MS = 500;
const HISTS_MS = 1000;

const app = {
  mode: 'live',
  records: [],
  model: null,
  selectedTask: null,
  histSelection: JSON.parse(localStorage.getItem('cortado.hists') || '[]'),
  histChosen: localStorage.getItem('cortado.hists') !== null,
  clockOffset: 0, // record time − performance.now(), from the latest frame
  lastRecordT: 0,
  connected: false,
  full: true,
  replayT: 0,
  playing: false,
  liveHists: new Map(), // task → hists record fetched from /api/hists
  histFetch: { inFlight: false, at: -Infinity, ends: new Map() },
  charts: { throughput: null, memory: null, hists: new Map(), at: -Infinity, histsAt: -Infinity },
  lags: [],
  oldest: [],
  stats: { frames: 0, renders: 0, renderMs: 0 },
};
// For benchmarks and tests: how far behind the run the page was when each frame of records came,
// and how much the page itself worked.
window.cortadoLags = app.lags;
window.cortadoOldest = app.oldest;
window.cortadoStats = app.stats;

// ---------- the model: a fold over records ----------

function emptyModel() {
  return {
    meta: null, tasks: new Map(), files: [], t: 0, changed: new Set(),
    // Chart data, appended to as records come: one x array shared by the series of a chart.
    tp: { x: [], series: new Map() }, // task → { y, raw }
    mem: { x: [], series: new Map() }, // worker → { rss, heap, host }
  };
}

function taskOf(model, id) {
  let task = model.tasks.get(id);
  if (!task) {
    task = {
      id, name: `task ${id}`, executor: '', slots: 0, entries: 0, datasets: [], chart: null,
      progress: null, actors: new Map(), actorsVersion: 0, batches: new Map(), running: new Map(), laneWorker: new Map(),
      workers: new Map(), done: [], ds: new Map(), failures: [], ends: 0, hists: null, firstT: null, lastEnd: 0,
    };
    model.tasks.set(id, task);
  }
  return task;
}

const PANELS_OF = {
  meta: [], task: ['header', 'progress', 'actors', 'stream'], actor: ['actors'], state: ['actors', 'header'], events: ['actors'],
  start: ['stream'], run: ['stream'], end: ['stream', 'progress'], fail: ['failures'], skip: ['failures'], fatal: ['failures'], file: ['failures'],
  progress: ['progress', 'charts', 'header', 'stream'], mem: ['charts'], hists: ['hists'],
};

/** Appends a point at `t` seconds to a chart's data: `values` per series key, null for the others. */
function appendPoint(chart, t, key, make, values) {
  const x = chart.x;
  // Records of one frame are not strictly in time order (the newest state of a thing replaces an
  // older one in place): keep x ascending, as uPlot needs, by never stepping back.
  x.push(x.length ? Math.max(x[x.length - 1], t) : t);
  let own = chart.series.get(key);
  if (!own) { own = make(); for (const k of Object.keys(values)) own[k] = new Array(x.length - 1).fill(null); chart.series.set(key, own); }
  for (const [k, s] of chart.series) {
    for (const field of Object.keys(values)) if (s[field]) s[field].push(k === key ? values[field] : null);
  }
}

function apply(model, r) {
  model.t = Math.max(model.t, r.t);
  for (const panel of PANELS_OF[r.k] || []) model.changed.add(panel);
  switch (r.k) {
    case 'meta': model.meta = r; break;
    case 'task': {
      const task = taskOf(model, r.task);
      Object.assign(task, { name: r.name, executor: r.executor, slots: r.slots, entries: r.entries, datasets: r.datasets, chart: r.chart, firstT: r.t });
      for (const [name, start, stop] of r.datasets) task.ds.set(name, { name, total: stop - start, entries: 0, chunks: 0, firstT: null, lastT: null });
      break;
    }
    case 'actor': {
      const task = taskOf(model, r.task);
      const a = task.actors.get(r.id) || { id: r.id, value: '', n: 0, last: [] };
      a.machine = r.machine; a.parent = r.parent;
      task.actors.set(r.id, a);
      task.actorsVersion++;
      break;
    }
    case 'state': {
      const task = taskOf(model, r.task);
      let a = task.actors.get(r.id);
      if (!a) { a = { id: r.id, machine: '', n: 0, last: [] }; task.actors.set(r.id, a); task.actorsVersion++; }
      a.value = r.value;
      break;
    }
    case 'events': {
      const a = taskOf(model, r.task).actors.get(r.id);
      if (a) { a.n = r.n; a.last = r.last; }
      break;
    }
    case 'start': {
      const task = taskOf(model, r.task);
      const b = { job: r.job, lane: r.lane, n: r.n, retry: r.retry, start: r.t, end: null, worker: null, state: 'running' };
      task.batches.set(r.job, b);
      task.running.set(r.job, b);
      break;
    }
    case 'run': {
      // The worker that took a batch in flight: draw it on that worker's row from now on.
      const task = taskOf(model, r.task);
      const b = task.batches.get(r.job);
      if (b && b.end === null) b.worker = r.worker;
      if (!task.workers.has(r.worker)) task.workers.set(r.worker, { n: 0, busy: 0 });
      break;
    }
    case 'end': {
      const task = taskOf(model, r.task);
      const b = task.batches.get(r.job) || { job: r.job, lane: r.lane, n: r.ok + r.fail, retry: 0, start: r.t };
      b.end = r.t;
      if (r.busy !== undefined) b.start = Math.max(b.start, r.t - r.busy);
      b.worker = r.worker;
      b.state = r.lost || r.fail > 0 ? 'failed' : b.retry > 0 ? 'retried' : 'done';
      task.batches.set(r.job, b);
      task.running.delete(r.job);
      task.done.push(b);
      task.lastEnd = Math.max(task.lastEnd, r.t);
      task.laneWorker.set(r.lane, r.worker);
      let w = task.workers.get(r.worker);
      if (!w) { w = { n: 0, busy: 0 }; task.workers.set(r.worker, w); }
      w.n++;
      w.busy += Math.max(0, b.end - b.start);
      task.ends++;
      if (r.ds) {
        for (const [name, [chunks, entries]] of Object.entries(r.ds)) {
          const d = task.ds.get(name);
          if (!d) continue;
          d.chunks += chunks; d.entries += entries;
          if (d.firstT === null) d.firstT = b.start;
          d.lastT = r.t;
        }
      }
      break;
    }
    case 'fail': case 'skip': case 'fatal': taskOf(model, r.task).failures.push(r); break;
    case 'file': model.files.push(r); break;
    case 'progress': {
      const task = taskOf(model, r.task);
      const prev = task.progress;
      if (!prev || r.t > prev.t) {
        const rate = prev ? Math.max(0, ((r.entriesDone - prev.entriesDone) * 1000) / (r.t - prev.t)) : 0;
        const own = model.tp.series.get(task.id);
        const raw = own ? own.raw : [];
        raw.push([r.t / 1000, rate]);
        // Averaged over the last 0.5 s so that a frame every 250 ms does not draw noise.
        let sum = 0; let n = 0;
        for (let j = raw.length - 1; j >= 0 && r.t / 1000 - raw[j][0] <= 0.5; j--) { sum += raw[j][1]; n++; }
        appendPoint(model.tp, r.t / 1000, task.id, () => ({ raw, y: null }), { y: sum / n });
      }
      task.progress = r;
      break;
    }
    case 'mem': {
      appendPoint(model.mem, r.t / 1000, r.worker, () => ({ host: r.host, rss: null, heap: null }), {
        rss: r.rss === undefined ? null : r.rss / MIB,
        heap: r.heapUsed === undefined ? null : r.heapUsed / MIB,
      });
      break;
    }
    case 'hists': taskOf(model, r.task).hists = r; break;
  }
}

function rebuild(upTo) {
  const model = emptyModel();
  for (const r of app.records) {
    if (r.t > upTo) break;
    apply(model, r);
  }
  return model;
}

// ---------- formatting and small DOM helpers ----------

const nf = new Intl.NumberFormat('en-US');
function count(n) { return n >= 1e7 ? `${(n / 1e6).toFixed(1)}M` : nf.format(Math.round(n)); }
function duration(ms) {
  if (!isFinite(ms)) return '?';
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
function esc(text) { return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c])); }
function rangeText(range) { return range ? `[${count(range[0])}, ${count(range[1])})` : ''; }
function now() { return app.mode === 'replay' ? app.replayT : Math.max(app.lastRecordT, performance.now() + app.clockOffset); }
function finished(task) { return !!task.progress && task.progress.status !== 'running' && task.progress.status !== 'pending'; }

// Writes to the DOM only what differs from what is shown: an unchanged panel costs no layout.
function setText(el, text) { if (el.__text !== text) { el.__text = text; el.textContent = text; } }
function setAttr(el, name, value) { const key = `__a_${name}`; if (el[key] !== value) { el[key] = value; el.setAttribute(name, value); } }
function setClass(el, value) { if (el.__class !== value) { el.__class = value; el.className = value; } }
function setWidth(el, pct) { const v = `${pct.toFixed(1)}%`; if (el.__w !== v) { el.__w = v; el.style.width = v; } }

// ---------- panels ----------

function currentTask(model) {
  if (app.selectedTask !== null && model.tasks.has(app.selectedTask)) return model.tasks.get(app.selectedTask);
  const tasks = [...model.tasks.values()];
  return tasks.find((t) => t.progress && t.progress.status === 'running') || tasks[tasks.length - 1] || null;
}

function renderHeader(model, task) {
  const tabs = $('task-tabs');
  const ids = [...model.tasks.values()].map((t) => `${t.id}:${t.name}`).join(',');
  if (tabs.dataset.ids !== ids || tabs.dataset.sel !== String(task ? task.id : '')) {
    tabs.dataset.ids = ids;
    tabs.dataset.sel = String(task ? task.id : '');
    tabs.innerHTML = '';
    for (const t of model.tasks.values()) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = t.name;
      b.className = task && t.id === task.id ? 'active' : '';
      b.onclick = () => { app.selectedTask = t.id; invalidate(); };
      tabs.appendChild(b);
    }
  }
  const status = task && task.progress ? task.progress.status : 'pending';
  const badge = $('status-badge');
  setText(badge, status);
  setClass(badge, `badge ${status}`);
  setText($('elapsed'), task && task.progress ? `${duration(task.progress.elapsedMs)} · ${task.executor}` : '');
  const conn = $('conn');
  setClass(conn, `conn-dot ${app.mode === 'replay' ? 'is-replay' : app.connected ? 'live' : ''}`);
  setAttr(conn, 'title', app.mode === 'replay' ? 'replay of a trace file' : app.connected ? 'live' : 'disconnected (the run has ended or the server stopped)');
}

function eta(done, total, rate) {
  if (done >= total) return '0 s';
  return rate > 0 ? duration(((total - done) / rate) * 1000) : '?';
}

/** The progress block of a task, made once; its parts are updated in place. */
function overallBlock(task) {
  const el = document.createElement('div');
  el.className = 'overall-task';
  el.dataset.task = String(task.id);
  el.innerHTML = `<div class="overall-head"><span><b class="name"></b> <span class="muted how"></span></span><span class="pct"></span></div>
    <div class="bar big"><span></span></div>
    <div class="stats"><span><b class="ev"></b> / <span class="evt"></span> events</span>
    <span><b class="ch"></b> / <span class="cht"></span> chunks</span>
    <span><b class="rate"></b> events/s</span>
    <span>ETA <b class="eta"></b></span>
    <span class="skipped"><b class="sk"></b> skipped</span>
    <span><b class="re"></b> retries</span></div>`;
  const q = (s) => el.querySelector(s);
  return { el, name: q('.name'), how: q('.how'), pct: q('.pct'), bar: q('.bar'), fill: q('.bar > span'), ev: q('.ev'), evt: q('.evt'), ch: q('.ch'), cht: q('.cht'), rate: q('.rate'), eta: q('.eta'), skipped: q('.skipped'), sk: q('.sk'), re: q('.re') };
}

const progressView = { key: null, blocks: new Map(), rows: new Map(), dsKey: null };

function renderProgress(model) {
  const overall = $('overall');
  const shown = [...model.tasks.values()].filter((t) => t.progress);
  const key = shown.map((t) => t.id).join(',');
  if (progressView.key !== key) {
    progressView.key = key;
    progressView.blocks.clear();
    overall.innerHTML = shown.length ? '' : '<p class="empty">Waiting for the run to start…</p>';
    for (const task of shown) { const b = overallBlock(task); progressView.blocks.set(task.id, b); overall.appendChild(b.el); }
  }
  for (const task of shown) {
    const b = progressView.blocks.get(task.id);
    const p = task.progress;
    const pct = p.entriesTotal > 0 ? Math.min(100, (100 * p.entriesDone) / p.entriesTotal) : 100;
    const ended = finished(task);
    setAttr(b.el, 'data-entries-done', String(p.entriesDone));
    setAttr(b.el, 'data-status', p.status);
    setText(b.name, task.name);
    setText(b.how, `${task.executor} · ${task.slots} lane${task.slots === 1 ? '' : 's'}`);
    setText(b.pct, `${pct.toFixed(pct < 10 ? 1 : 0)}%`);
    setClass(b.bar, `bar big ${ended ? 'done' : ''}`);
    setWidth(b.fill, pct);
    setText(b.ev, count(p.entriesDone)); setText(b.evt, count(p.entriesTotal));
    setText(b.ch, count(p.elementsDone)); setText(b.cht, count(p.elementsTotal));
    setText(b.rate, count(p.rate));
    setText(b.eta, ended ? '—' : eta(p.entriesDone, p.entriesTotal, p.rate));
    setClass(b.skipped, p.failures ? 'bad' : '');
    setText(b.sk, String(p.failures)); setText(b.re, String(p.retries));
  }
  const body = $('datasets').querySelector('tbody');
  const all = [];
  for (const task of model.tasks.values()) for (const d of task.ds.values()) all.push([task, d]);
  const dsKey = all.map(([t, d]) => `${t.id}/${d.name}`).join('|');
  if (progressView.dsKey !== dsKey) {
    progressView.dsKey = dsKey;
    progressView.rows.clear();
    body.innerHTML = '';
    for (const [task, d] of all) {
      const tr = document.createElement('tr');
      tr.dataset.dataset = d.name;
      tr.innerHTML = `<td title="${esc(d.name)}">${esc(d.name)}</td><td><div class="bar"><span></span></div></td><td class="num"></td><td class="num"></td><td class="num"></td><td class="num"></td>`;
      const cells = tr.children;
      progressView.rows.set(`${task.id}/${d.name}`, { bar: cells[1].firstChild, fill: cells[1].firstChild.firstChild, ev: cells[2], ch: cells[3], rate: cells[4], eta: cells[5] });
      body.appendChild(tr);
    }
    $('datasets').hidden = all.length === 0;
  }
  for (const [task, d] of all) {
    const row = progressView.rows.get(`${task.id}/${d.name}`);
    const pct = d.total > 0 ? (100 * d.entries) / d.total : 100;
    const span = d.firstT !== null && d.lastT > d.firstT ? d.lastT - d.firstT : 0;
    const rate = span > 0 ? (d.entries * 1000) / span : 0;
    setClass(row.bar, `bar ${pct >= 100 ? 'done' : ''}`);
    setWidth(row.fill, pct);
    setText(row.ev, `${count(d.entries)} / ${count(d.total)}`);
    setText(row.ch, count(d.chunks));
    setText(row.rate, rate ? `${count(rate)}/s` : '—');
    setText(row.eta, pct >= 100 ? 'done' : finished(task) ? 'partly skipped' : eta(d.entries, d.total, rate));
  }
}

function renderFailures(model) {
  const all = [];
  for (const task of model.tasks.values()) for (const f of task.failures) all.push(f);
  all.sort((a, b) => b.t - a.t);
  const body = $('failures').querySelector('tbody');
  body.innerHTML = all.slice(0, 300).map((f) => {
    const what = f.k === 'fail' ? `<span class="tag retry">attempt ${f.attempt} failed</span>` : f.k === 'skip' ? `<span class="tag skip">skipped${f.attempts ? ` after ${f.attempts}` : ''}</span>` : '<span class="tag fatal">fatal</span>';
    return `<tr data-kind="${f.k}" data-code="${esc(f.code || '')}"><td class="num">${duration(f.t)}</td><td>${what}</td><td>${f.code ? `<code>${esc(f.code)}</code>` : ''}</td><td>${esc(f.ds || '')}</td><td class="num">${rangeText(f.range)}</td><td class="err" title="${esc(f.error + (f.file ? `\n${f.file}` : ''))}">${esc(f.error)}</td></tr>`;
  }).join('');
  const bad = all.filter((f) => f.k !== 'fail').length;
  setText($('failure-count'), String(all.length));
  setClass($('failure-count'), `count ${bad ? 'bad' : ''}`);
  $('failures').hidden = all.length === 0;
  $('failures-empty').hidden = all.length > 0;
  setText($('file-count'), String(model.files.length));
  $('files').innerHTML = model.files.map((f) => `<li><code>${esc(f.code || 'error')}</code> ${esc(f.file)}${f.ds ? ` <span class="muted">(${esc(f.ds)})</span>` : ''} <span class="muted">— ${esc(f.error)}</span></li>`).join('') || '<li class="muted" style="list-style:none;margin-left:-18px">None.</li>';
}

const actorsView = { key: null, rows: new Map() };

function renderActors(task) {
  const body = $('actors').querySelector('tbody');
  if (!task) { body.innerHTML = ''; actorsView.key = null; $('chart').innerHTML = ''; $('chart').dataset.key = ''; return; }
  const key = `${task.id}#${task.actorsVersion}`;
  if (actorsView.key !== key) {
    actorsView.key = key;
    actorsView.rows.clear();
    const order = (a) => (a.machine === 'supervisor' ? 0 : a.machine === 'lane' ? 1 : 2);
    const actors = [...task.actors.values()].sort((a, b) => order(a) - order(b) || a.id.localeCompare(b.id, 'en', { numeric: true }));
    body.innerHTML = '';
    for (const a of actors) {
      const tr = document.createElement('tr');
      tr.dataset.actor = a.id;
      tr.dataset.machine = a.machine || '';
      tr.innerHTML = `<td><b>${esc(a.id)}</b> <span class="muted">${a.machine && a.machine !== a.id ? esc(a.machine) : ''}</span></td><td><span class="state"></span></td><td class="num"></td><td class="last"></td>`;
      actorsView.rows.set(a.id, { state: tr.children[1].firstChild, n: tr.children[2], last: tr.children[3] });
      body.appendChild(tr);
    }
  }
  for (const a of task.actors.values()) {
    const row = actorsView.rows.get(a.id);
    if (!row) continue;
    setText(row.state, a.value || '—');
    setClass(row.state, `state ${a.value || ''}`);
    setText(row.n, count(a.n));
    setText(row.last, a.last.slice(-3).join(' → '));
    setAttr(row.last, 'title', a.last.join(' → '));
  }
  const supervisor = task.actors.get('supervisor');
  renderChart(task.chart, supervisor ? supervisor.value : '');
}

function renderChart(chart, current) {
  const el = $('chart');
  if (!chart) { el.innerHTML = ''; el.dataset.key = ''; return; }
  const key = `${chart.id}:${current}`;
  if (el.dataset.key === key) return;
  el.dataset.key = key;
  const edges = chart.edges.map((e) => {
    const d = e.points.map((p, i) => `${i ? 'L' : 'M'}${p[0]},${p[1]}`).join(' ');
    const mid = e.points[Math.floor(e.points.length / 2)];
    return `<g class="edge"><path d="${d}" marker-end="url(#arrow)"/><text x="${mid[0]}" y="${mid[1] - 3}" text-anchor="middle">${esc(e.label)}</text></g>`;
  }).join('');
  const nodes = chart.nodes.map((n) => `<g class="node ${n.final ? 'final' : ''} ${n.id === current ? 'current' : ''}" data-state="${esc(n.id)}">
    <rect x="${n.x - n.w / 2}" y="${n.y - n.h / 2}" width="${n.w}" height="${n.h}" rx="${n.final ? 15 : 7}"/><text x="${n.x}" y="${n.y + 4}" text-anchor="middle">${esc(n.id)}</text></g>`).join('');
  el.innerHTML = `<svg viewBox="0 0 ${chart.width} ${chart.height}" role="img" aria-label="supervisor statechart"><defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#9aa6bb"/></marker></defs>${edges}${nodes}</svg>`;
}

// ---------- the task stream: two canvas layers ----------
// The bottom layer holds the finished batches: each is drawn once, when it comes, unless the time
// scale changes (it grows by a quarter when the run outgrows it, and fits the run once it ends) or
// the rows change. The top layer holds the batches in flight and is cleared and redrawn each frame.

const ROW_H = 22;
const FILL = { running: '#3b82f6', done: '#22a06b', retried: '#e8a317', failed: '#e5484d' };
const streamView = { model: null, task: null, rowsKey: null, width: 0, height: 0, dpr: 0, t0: 0, tEnd: 0, drawn: 0, fitted: false };

/** The row a batch is drawn on: the worker that runs or ran it, else the one its lane used last. */
function workerOf(task, b) { return b.worker || task.laneWorker.get(b.lane) || `lane ${b.lane}`; }

function sizeCanvas(canvas, width, height, dpr) {
  if (canvas.__h !== height) { canvas.__h = height; canvas.style.height = `${height}px`; }
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

function renderStream(task, full) {
  const labels = $('stream-labels');
  const base = $('stream-canvas');
  const top = $('stream-live');
  if (!task) { labels.innerHTML = ''; labels.dataset.key = ''; streamView.task = null; return; }
  const names = new Set(task.workers.keys());
  for (const b of task.running.values()) names.add(workerOf(task, b));
  const rows = [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const rowsKey = rows.join('|');
  if (labels.dataset.key !== rowsKey) {
    labels.dataset.key = rowsKey;
    labels.innerHTML = rows.map((r) => `<div class="stream-label" data-worker="${esc(r)}">${esc(r)}<span class="muted"></span></div>`).join('');
  }
  const index = new Map(rows.map((r, i) => [r, i]));
  const ended = finished(task);
  const t0 = task.firstT || 0;
  const tNow = ended ? Math.max(task.lastEnd, t0 + 1) : Math.max(now(), t0 + 1);
  const width = base.clientWidth || 600;
  const height = Math.max(ROW_H, rows.length * ROW_H);
  const dpr = window.devicePixelRatio || 1;
  const v = streamView;
  let redraw = full || v.model !== app.model || v.task !== task || v.rowsKey !== rowsKey || v.width !== width || v.dpr !== dpr || v.t0 !== t0;
  if (ended && !v.fitted) redraw = true;
  if (!ended && (v.fitted || tNow > v.tEnd)) redraw = true;
  if (redraw) {
    Object.assign(v, { model: app.model, task, rowsKey, width, height, dpr, t0, drawn: 0, fitted: ended });
    v.tEnd = ended ? tNow : t0 + Math.max(5000, (tNow - t0) * 1.25);
  }
  const span = v.tEnd - t0;
  const x = (t) => ((t - t0) / span) * (width - 4) + 2;
  const bar = (ctx, b, end) => { const x0 = x(b.start); ctx.fillRect(x0, index.get(workerOf(task, b)) * ROW_H + 4, Math.max(1.5, x(end) - x0 - 0.5), ROW_H - 8); };
  const ctx = sizeCanvas(base, width, height, dpr);
  if (redraw) {
    ctx.clearRect(0, 0, width, height);
    ctx.strokeStyle = '#eef1f6';
    for (let i = 1; i < rows.length; i++) { ctx.beginPath(); ctx.moveTo(0, i * ROW_H + 0.5); ctx.lineTo(width, i * ROW_H + 0.5); ctx.stroke(); }
  }
  for (let i = v.drawn; i < task.done.length; i++) {
    const b = task.done[i];
    ctx.fillStyle = FILL[b.state];
    bar(ctx, b, b.end);
  }
  v.drawn = task.done.length;
  const live = sizeCanvas(top, width, height, dpr);
  live.clearRect(0, 0, width, height);
  live.fillStyle = FILL.running;
  const busy = new Map();
  const inFlight = new Map();
  for (const b of task.running.values()) {
    bar(live, b, tNow);
    const w = workerOf(task, b);
    busy.set(w, (busy.get(w) || 0) + Math.max(0, tNow - b.start));
    inFlight.set(w, (inFlight.get(w) || 0) + 1);
  }
  const elapsed = Math.max(1, tNow - t0);
  [...labels.children].forEach((el, i) => {
    const w = task.workers.get(rows[i]);
    const ms = (w ? w.busy : 0) + (busy.get(rows[i]) || 0);
    setText(el.lastChild, `${Math.min(100, Math.round((100 * ms) / elapsed))}%`);
    // For tests and tools: how many batches in flight this row draws.
    setAttr(el, 'data-running', String(inFlight.get(rows[i]) || 0));
  });
  setText($('stream-note'), `${count(task.batches.size)} batches over ${duration(elapsed)}${ended ? '' : ` · scale ${duration(span)}`} · rows: workers (a running batch shows on its worker's row once the worker took it) · % = time busy`);
}

// ---------- charts (uPlot) ----------

function chartWidth(el) { return Math.max(200, el.clientWidth || 400); }

function lineChart(el, existing, series, data, yLabel) {
  const names = series.map((s) => s.label).join('|');
  if (existing && existing.names === names && existing.plot.width === chartWidth(el)) {
    existing.plot.setData(data);
    return existing;
  }
  if (existing) existing.plot.destroy();
  el.innerHTML = '';
  const plot = new uPlot({
    width: chartWidth(el), height: 190,
    scales: { x: { time: false } },
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    axes: [{ label: 's', labelSize: 14, size: 30, stroke: '#6b7588', grid: { stroke: '#eef1f6' } }, { label: yLabel, labelSize: 16, size: 56, stroke: '#6b7588', grid: { stroke: '#eef1f6' } }],
    series: [{ label: 't' }, ...series],
  }, data, el);
  return { plot, names };
}

function renderThroughput(model) {
  const data = [model.tp.x];
  const series = [];
  let i = 0;
  for (const [id, s] of model.tp.series) {
    const task = model.tasks.get(id);
    const color = COLORS[i++ % COLORS.length];
    data.push(s.y);
    series.push({ label: task ? task.name : `task ${id}`, stroke: color, width: 2, fill: `${color}22`, spanGaps: true, points: { show: false } });
  }
  if (series.length === 0) return;
  app.charts.throughput = lineChart($('throughput'), app.charts.throughput, series, data, 'events/s');
}

function renderMemory(model) {
  const workers = [...model.mem.series.keys()].sort((a, b) => (a === 'main' ? -1 : b === 'main' ? 1 : a.localeCompare(b, 'en', { numeric: true })));
  if (workers.length === 0) return;
  const data = [model.mem.x];
  const series = [];
  workers.forEach((w, i) => {
    const color = COLORS[i % COLORS.length];
    const s = model.mem.series.get(w);
    const name = s.host ? `${s.host}/${w}` : w;
    // Threads share their process's RSS: draw it once (main), and each thread's own heap.
    if (w === 'main' || s.host) {
      data.push(s.rss);
      series.push({ label: `${name} RSS`, stroke: color, width: 2, spanGaps: true, points: { show: false } });
    }
    data.push(s.heap);
    series.push({ label: `${name} heap`, stroke: color, width: 1.5, dash: [5, 4], spanGaps: true, points: { show: false } });
  });
  app.charts.memory = lineChart($('memory'), app.charts.memory, series, data, 'MiB');
}

// ---------- histograms ----------

function histsOf(task) {
  if (!task) return null;
  const live = app.mode === 'live' ? app.liveHists.get(task.id) : null;
  if (live && (!task.hists || live.version >= task.hists.version)) return live;
  return task.hists;
}

function renderHists(task) {
  const record = histsOf(task);
  const hists = record ? record.hists : [];
  const keys = hists.map((h) => h.key);
  if (!app.histChosen || !app.histSelection.some((k) => keys.includes(k))) {
    // Until the user picks, show the first two mass histograms (the Z peak), else the first two.
    const preferred = keys.filter((k) => /mass/i.test(k));
    app.histSelection = (preferred.length ? preferred : keys).slice(0, 2);
  }
  const selected = (app.histSelection || []).filter((k) => keys.includes(k));
  const chips = $('hist-chips');
  const chipKey = `${keys.join('|')}#${selected.join('|')}`;
  if (chips.dataset.key !== chipKey) {
    chips.dataset.key = chipKey;
    chips.innerHTML = '';
    for (const k of keys) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = `chip ${selected.includes(k) ? 'on' : ''}`;
      b.textContent = k;
      b.dataset.key = k;
      b.onclick = () => {
        const set = new Set(selected);
        if (set.has(k)) set.delete(k); else set.add(k);
        app.histSelection = keys.filter((x) => set.has(x));
        app.histChosen = true;
        localStorage.setItem('cortado.hists', JSON.stringify(app.histSelection));
        invalidate();
      };
      chips.appendChild(b);
    }
  }
  setText($('hist-version'), record ? `${count(record.version)} partials merged · ${duration(record.t)}` : '');
  const container = $('hists');
  if (selected.length === 0) {
    if (!container.querySelector('.empty')) { for (const c of app.charts.hists.values()) c.plot.destroy(); app.charts.hists.clear(); container.innerHTML = '<p class="empty">No histograms merged yet.</p>'; }
    return;
  }
  container.querySelector('.empty')?.remove();
  for (const [k, c] of app.charts.hists) {
    if (!selected.includes(k)) { c.plot.destroy(); c.el.remove(); app.charts.hists.delete(k); }
  }
  selected.forEach((k) => {
    const h = hists.find((x) => x.key === k);
    let c = app.charts.hists.get(k);
    if (!c) {
      const el = document.createElement('div');
      el.className = 'hist-panel';
      el.dataset.key = k;
      el.innerHTML = `<div class="hist-title">${esc(k)}<span></span></div><div class="plot"></div>`;
      container.appendChild(el);
      c = { el, plot: null, n: -1, record: null };
      app.charts.hists.set(k, c);
    }
    if (c.record === record && c.plot) return; // nothing merged since it was drawn
    c.record = record;
    setAttr(c.el, 'data-entries', String(h.entries));
    setText(c.el.querySelector('.hist-title span'), `${count(h.entries)} entries`);
    const categorical = !h.edges;
    const xs = categorical ? h.categories.map((_, j) => j) : h.edges.slice();
    const ys = categorical ? h.values.slice() : [...h.values, h.values[h.values.length - 1] || 0];
    const width = Math.max(200, c.el.clientWidth || 300);
    if (c.plot && c.n === xs.length && c.plot.width === width) { c.plot.setData([xs, ys]); return; }
    if (c.plot) c.plot.destroy();
    const color = COLORS[keys.indexOf(k) % COLORS.length];
    const plotEl = c.el.querySelector('.plot');
    plotEl.innerHTML = '';
    c.n = xs.length;
    c.plot = new uPlot({
      width, height: 200,
      scales: { x: { time: false }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] } },
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { label: h.label, labelSize: 16, size: 34, stroke: '#6b7588', grid: { stroke: '#eef1f6' }, ...(categorical ? { values: (u, splits) => splits.map((s) => h.categories[s] ?? '') } : {}) },
        { size: 50, stroke: '#6b7588', grid: { stroke: '#eef1f6' } },
      ],
      series: [{}, { stroke: color, width: 1.5, fill: `${color}33`, points: { show: false }, paths: categorical ? uPlot.paths.bars({ size: [0.7] }) : uPlot.paths.stepped({ align: 1 }) }],
    }, [xs, ys], plotEl);
  });
}

/** Pulls the current task's merged histograms, at most every HISTS_MS and only when batches ended since. */
async function maybeFetchHists(model) {
  if (app.mode !== 'live' || app.histFetch.inFlight || !app.connected) return;
  const task = currentTask(model);
  if (!task) return;
  if (app.histFetch.ends.get(task.id) === task.ends) return;
  const wait = HISTS_MS - (performance.now() - app.histFetch.at);
  if (wait > 0) { later(wait); return; }
  app.histFetch.inFlight = true;
  app.histFetch.at = performance.now();
  app.histFetch.ends.set(task.id, task.ends);
  try {
    const res = await fetch(`api/hists?task=${task.id}`, { cache: 'no-store' });
    if (res.ok) {
      const record = await res.json();
      if (record) { app.liveHists.set(task.id, record); app.model.changed.add('hists'); schedule(); }
    }
  } catch { /* the run may have ended: keep what is drawn */ }
  app.histFetch.inFlight = false;
}

// ---------- the loop ----------

// Panels whose records came but that were not redrawn yet (charts and histograms wait their turn).
const pending = new Set();
function render() {
  const began = performance.now();
  const model = app.model;
  const full = app.full;
  app.full = false;
  for (const panel of model.changed) pending.add(panel);
  model.changed.clear();
  const task = currentTask(model);
  const t = performance.now();
  if (full) for (const c of app.charts.hists.values()) c.record = null;
  if (full || pending.has('header')) renderHeader(model, task);
  if (full || pending.has('progress')) renderProgress(model);
  if (full || pending.has('failures')) renderFailures(model);
  if (full || pending.has('actors')) renderActors(task);
  if (full || pending.has('stream')) renderStream(task, full);
  for (const p of ['header', 'progress', 'failures', 'actors', 'stream']) pending.delete(p);
  if (pending.has('charts') || full) {
    const wait = full ? 0 : CHARTS_MS - (t - app.charts.at);
    if (wait <= 0) { app.charts.at = t; renderThroughput(model); renderMemory(model); pending.delete('charts'); } else later(wait);
  }
  if (pending.has('hists') || full) {
    const wait = full ? 0 : HISTS_MS - (t - app.charts.histsAt);
    if (wait <= 0) { app.charts.histsAt = t; renderHists(task); pending.delete('hists'); } else later(wait);
  }
  if (app.mode === 'replay') setText($('slider-time'), `${duration(app.replayT)} / ${duration(app.records.length ? app.records[app.records.length - 1].t : 0)}`);
  void maybeFetchHists(model);
  app.stats.renders++;
  app.stats.renderMs += performance.now() - began;
}

let frame = null;
/** Redraws in the next animation frame (one per frame of records at most; none while nothing changes). */
function schedule() {
  if (frame === null) frame = requestAnimationFrame(() => { frame = null; render(); });
}
let laterTimer = null;
/** Asks for a redraw in `ms` (a chart or histogram waiting for its turn). */
function later(ms) {
  if (laterTimer === null) laterTimer = setTimeout(() => { laterTimer = null; schedule(); }, ms);
}
function invalidate() {
  app.full = true;
  schedule();
}

let playTimer = null;
function playStep() {
  const end = app.records.length ? app.records[app.records.length - 1].t : 0;
  const next = Math.min(end, app.replayT + 200);
  if (next !== app.replayT) setReplayT(next);
  $('slider').value = String(Math.round(app.replayT));
  if (next >= end) togglePlay(false);
}

function setReplayT(t) {
  app.replayT = t;
  app.model = rebuild(t);
  invalidate();
}

function togglePlay(on) {
  app.playing = on;
  $('play').textContent = on ? '❚❚' : '▶';
  clearInterval(playTimer);
  playTimer = on ? setInterval(playStep, 50) : null;
}

function connect() {
  const source = new EventSource(`api/stream${location.search}`);
  source.addEventListener('hello', (e) => {
    const hello = JSON.parse(e.data);
    app.mode = hello.mode;
    if (app.mode === 'replay') $('replay').hidden = false;
  });
  let first = true;
  source.onmessage = (e) => {
    const batch = JSON.parse(e.data);
    const history = first;
    app.stats.frames++;
    if (first) {
      // The history: a reconnect starts over from it.
      first = false;
      app.records = [];
      app.model = emptyModel();
      app.liveHists.clear();
    }
    if (app.mode === 'replay') for (const r of batch) app.records.push(r);
    else for (const r of batch) apply(app.model, r);
    if (batch.length) {
      let newest = 0;
      let oldest = Infinity;
      for (const r of batch) { newest = Math.max(newest, r.t); oldest = Math.min(oldest, r.t); }
      const meta = app.mode === 'live' ? app.model.meta : null;
      // How far behind the run this page is: the newest and the oldest record's age on arrival (same machine's clock).
      if (meta && !history) {
        const at = Date.now() - Date.parse(meta.startedAt);
        app.lags.push(at - newest);
        app.oldest.push(at - oldest);
        if (app.lags.length > 2000) { app.lags.shift(); app.oldest.shift(); }
      }
      app.lastRecordT = Math.max(app.lastRecordT, newest);
      app.clockOffset = app.lastRecordT - performance.now();
    }
    if (app.mode === 'replay') {
      const end = app.records.length ? app.records[app.records.length - 1].t : 0;
      const slider = $('slider');
      slider.max = String(Math.ceil(end));
      slider.value = String(Math.ceil(end));
      setReplayT(end);
      source.close();
    }
    app.connected = app.mode === 'live';
    if (history) invalidate(); else schedule();
  };
  source.onopen = () => { app.connected = app.mode === 'live'; invalidate(); };
  source.onerror = () => {
    app.connected = false;
    invalidate();
    if (app.mode === 'live' && !app.model.tasks.size) return; // let EventSource retry
    source.close();
  };
}

app.model = emptyModel();
$('slider').addEventListener('input', (e) => { togglePlay(false); setReplayT(Number(e.target.value)); });
$('play').addEventListener('click', () => {
  if (!app.playing && app.replayT >= Number($('slider').max)) setReplayT(0);
  togglePlay(!app.playing);
});
window.addEventListener('resize', invalidate);
connect();
invalidate();
