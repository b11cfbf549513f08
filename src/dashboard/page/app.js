// The cortado dashboard page. It folds the run's records (src/dashboard/records.ts, the same
// records a trace file holds) into a view model and redraws at most every 100 ms. Live, records
// arrive over server-sent events; a replay gets them all at once and folds those up to the slider.
/* global uPlot */
'use strict';

const $ = (id) => document.getElementById(id);
const COLORS = ['#2f6fde', '#22a06b', '#e8a317', '#9b59b6', '#e5484d', '#17a2b8', '#8c6d46', '#d35fb7', '#5b6475'];
const MIB = 1024 * 1024;

const app = {
  mode: 'live',
  records: [],
  model: null,
  selectedTask: null,
  histSelection: JSON.parse(localStorage.getItem('cortado.hists') || '[]'),
  histChosen: localStorage.getItem('cortado.hists') !== null,
  clockOffset: 0, // record time − performance.now(), from the latest batch
  lastRecordT: 0,
  connected: false,
  dirty: true,
  replayT: 0,
  playing: false,
  liveHists: new Map(), // task → hists record fetched from /api/hists
  histFetch: { inFlight: false, at: 0, version: new Map() },
  charts: { throughput: null, memory: null, hists: new Map() },
  lags: [],
};
// For benchmarks and tests: how far behind the run the page was when each batch of records came.
window.cortadoLags = app.lags;

// ---------- the model: a fold over records ----------

function emptyModel() {
  return { meta: null, tasks: new Map(), mem: new Map(), files: [], t: 0, changed: new Set() };
}

function taskOf(model, id) {
  let task = model.tasks.get(id);
  if (!task) {
    task = {
      id, name: `task ${id}`, executor: '', slots: 0, entries: 0, datasets: [], chart: null,
      progress: null, rates: [], actors: new Map(), batches: new Map(), laneWorker: new Map(), workers: new Map(),
      ds: new Map(), failures: [], ends: 0, hists: null, firstT: null,
    };
    model.tasks.set(id, task);
  }
  return task;
}

const PANELS_OF = {
  meta: [], task: ['progress', 'actors', 'stream'], actor: ['actors'], state: ['actors'], events: ['actors'],
  start: ['stream'], end: ['stream', 'progress'], fail: ['failures'], skip: ['failures'], fatal: ['failures'], file: ['failures'],
  progress: ['progress', 'charts'], mem: ['charts'], hists: ['hists'],
};

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
      break;
    }
    case 'state': {
      const task = taskOf(model, r.task);
      const a = task.actors.get(r.id) || { id: r.id, machine: '', n: 0, last: [] };
      a.value = r.value;
      task.actors.set(r.id, a);
      break;
    }
    case 'events': {
      const task = taskOf(model, r.task);
      const a = task.actors.get(r.id);
      if (a) { a.n = r.n; a.last = r.last; }
      break;
    }
    case 'start': {
      const task = taskOf(model, r.task);
      task.batches.set(r.job, { job: r.job, lane: r.lane, n: r.n, retry: r.retry, start: r.t, end: null, worker: null, state: 'running' });
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
      task.laneWorker.set(r.lane, r.worker);
      task.workers.set(r.worker, (task.workers.get(r.worker) || 0) + 1);
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
      if (prev && r.t > prev.t) task.rates.push([r.t / 1000, Math.max(0, ((r.entriesDone - prev.entriesDone) * 1000) / (r.t - prev.t))]);
      else if (!prev) task.rates.push([r.t / 1000, 0]);
      task.progress = r;
      break;
    }
    case 'mem': {
      let series = model.mem.get(r.worker);
      if (!series) { series = []; model.mem.set(r.worker, series); }
      series.push(r);
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

// ---------- formatting ----------

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

// ---------- panels ----------

function currentTask(model) {
  if (app.selectedTask !== null && model.tasks.has(app.selectedTask)) return model.tasks.get(app.selectedTask);
  const tasks = [...model.tasks.values()];
  return tasks.find((t) => t.progress && t.progress.status === 'running') || tasks[tasks.length - 1] || null;
}

function renderHeader(model, task) {
  const tabs = $('task-tabs');
  const ids = [...model.tasks.keys()].join(',');
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
  badge.textContent = status;
  badge.className = `badge ${status}`;
  $('elapsed').textContent = task && task.progress ? `${duration(task.progress.elapsedMs)} · ${task.executor}` : '';
  const conn = $('conn');
  conn.className = `conn-dot ${app.mode === 'replay' ? 'is-replay' : app.connected ? 'live' : ''}`;
  conn.title = app.mode === 'replay' ? 'replay of a trace file' : app.connected ? 'live' : 'disconnected (the run has ended or the server stopped)';
}

function eta(done, total, rate) {
  if (done >= total) return '0 s';
  return rate > 0 ? duration(((total - done) / rate) * 1000) : '?';
}

function renderProgress(model) {
  const overall = $('overall');
  let html = '';
  for (const task of model.tasks.values()) {
    const p = task.progress;
    if (!p) continue;
    const pct = p.entriesTotal > 0 ? Math.min(100, (100 * p.entriesDone) / p.entriesTotal) : 100;
    const finished = p.status !== 'running' && p.status !== 'pending';
    html += `<div class="overall-task" data-task="${task.id}" data-entries-done="${p.entriesDone}" data-status="${p.status}">
      <div class="overall-head"><span><b>${esc(task.name)}</b> <span class="muted">${esc(task.executor)} · ${task.slots} lane${task.slots === 1 ? '' : 's'}</span></span><span class="pct">${pct.toFixed(pct < 10 ? 1 : 0)}%</span></div>
      <div class="bar big ${finished ? 'done' : ''}"><span style="width:${pct}%"></span></div>
      <div class="stats"><span><b>${count(p.entriesDone)}</b> / ${count(p.entriesTotal)} events</span>
      <span><b>${count(p.elementsDone)}</b> / ${count(p.elementsTotal)} chunks</span>
      <span><b>${count(p.rate)}</b> events/s</span>
      <span>ETA <b>${finished ? '—' : eta(p.entriesDone, p.entriesTotal, p.rate)}</b></span>
      <span class="${p.failures ? 'bad' : ''}"><b>${p.failures}</b> skipped</span>
      <span><b>${p.retries}</b> retries</span></div></div>`;
  }
  overall.innerHTML = html || '<p class="empty">Waiting for the run to start…</p>';
  const body = $('datasets').querySelector('tbody');
  let rows = '';
  for (const task of model.tasks.values()) {
    const taskEnded = task.progress && task.progress.status !== 'running' && task.progress.status !== 'pending';
    for (const d of task.ds.values()) {
      const pct = d.total > 0 ? (100 * d.entries) / d.total : 100;
      const span = d.firstT !== null && d.lastT > d.firstT ? d.lastT - d.firstT : 0;
      const rate = span > 0 ? (d.entries * 1000) / span : 0;
      rows += `<tr data-dataset="${esc(d.name)}"><td title="${esc(d.name)}">${esc(d.name)}</td><td><div class="bar ${pct >= 100 ? 'done' : ''}"><span style="width:${pct}%"></span></div></td>
        <td class="num">${count(d.entries)} / ${count(d.total)}</td><td class="num">${count(d.chunks)}</td><td class="num">${rate ? count(rate) + '/s' : '—'}</td><td class="num">${pct >= 100 ? 'done' : taskEnded ? 'partly skipped' : eta(d.entries, d.total, rate)}</td></tr>`;
    }
  }
  body.innerHTML = rows;
  $('datasets').hidden = rows === '';
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
  $('failure-count').textContent = String(all.length);
  $('failure-count').className = `count ${bad ? 'bad' : ''}`;
  $('failures').hidden = all.length === 0;
  $('failures-empty').hidden = all.length > 0;
  $('file-count').textContent = String(model.files.length);
  $('files').innerHTML = model.files.map((f) => `<li><code>${esc(f.code || 'error')}</code> ${esc(f.file)}${f.ds ? ` <span class="muted">(${esc(f.ds)})</span>` : ''} <span class="muted">— ${esc(f.error)}</span></li>`).join('') || '<li class="muted" style="list-style:none;margin-left:-18px">None.</li>';
}

function renderActors(task) {
  const body = $('actors').querySelector('tbody');
  if (!task) { body.innerHTML = ''; $('chart').innerHTML = ''; return; }
  const order = (a) => (a.machine === 'supervisor' ? 0 : a.machine === 'lane' ? 1 : 2);
  const actors = [...task.actors.values()].sort((a, b) => order(a) - order(b) || a.id.localeCompare(b.id, 'en', { numeric: true }));
  body.innerHTML = actors.map((a) => `<tr data-actor="${esc(a.id)}" data-machine="${esc(a.machine || '')}"><td><b>${esc(a.id)}</b> <span class="muted">${a.machine && a.machine !== a.id ? esc(a.machine) : ''}</span></td>
    <td><span class="state ${esc(a.value || '')}">${esc(a.value || '—')}</span></td><td class="num">${count(a.n)}</td><td class="last" title="${esc(a.last.join(' → '))}">${esc(a.last.slice(-3).join(' → '))}</td></tr>`).join('');
  const supervisor = task.actors.get('supervisor');
  renderChart(task.chart, supervisor ? supervisor.value : '');
}

function renderChart(chart, current) {
  const el = $('chart');
  if (!chart) { el.innerHTML = ''; return; }
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

// ---------- the task stream ----------

function renderStream(task) {
  const labels = $('stream-labels');
  const canvas = $('stream-canvas');
  if (!task) { labels.innerHTML = ''; return; }
  const rows = [];
  const index = new Map();
  const rowOf = (name) => {
    if (!index.has(name)) { index.set(name, rows.length); rows.push({ name, n: 0, busy: 0 }); }
    return index.get(name);
  };
  for (const w of [...task.workers.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) rowOf(w);
  const tNow = task.progress && task.progress.status !== 'running' && task.progress.status !== 'pending' ? Math.max(...[...task.batches.values()].map((b) => b.end || b.start), task.firstT || 0) : now();
  const bars = [];
  for (const b of task.batches.values()) {
    const worker = b.worker || task.laneWorker.get(b.lane) || `lane ${b.lane}`;
    const row = rowOf(worker);
    const end = b.end === null ? tNow : b.end;
    rows[row].n++;
    rows[row].busy += Math.max(0, end - b.start);
    bars.push({ row, start: b.start, end, state: b.state });
  }
  const key = rows.map((r) => r.name).join('|');
  if (labels.dataset.key !== key) {
    labels.dataset.key = key;
    labels.innerHTML = rows.map((r) => `<div class="stream-label" data-worker="${esc(r.name)}">${esc(r.name)}<span class="muted"></span></div>`).join('');
  }
  const t0 = task.firstT || 0;
  const span = Math.max(1, tNow - t0);
  [...labels.children].forEach((el, i) => { el.lastChild.textContent = rows[i] ? `${Math.min(100, Math.round((100 * rows[i].busy) / span))}%` : ''; });
  const rowH = 22;
  const width = canvas.clientWidth || 600;
  const height = Math.max(rowH, rows.length * rowH);
  const dpr = window.devicePixelRatio || 1;
  canvas.style.height = `${height}px`;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const x = (t) => ((t - t0) / span) * (width - 4) + 2;
  ctx.strokeStyle = '#eef1f6';
  for (let i = 1; i < rows.length; i++) { ctx.beginPath(); ctx.moveTo(0, i * rowH + 0.5); ctx.lineTo(width, i * rowH + 0.5); ctx.stroke(); }
  const fill = { running: '#3b82f6', done: '#22a06b', retried: '#e8a317', failed: '#e5484d' };
  for (const state of ['done', 'retried', 'failed', 'running']) {
    ctx.fillStyle = fill[state];
    for (const bar of bars) {
      if (bar.state !== state) continue;
      const x0 = x(bar.start);
      ctx.fillRect(x0, bar.row * rowH + 4, Math.max(1.5, x(bar.end) - x0 - 0.5), rowH - 8);
    }
  }
  $('stream-note').textContent = `${count(bars.length)} batches over ${duration(span)} · rows: workers (a batch in flight shows on the row its lane used last) · % = time busy`;
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
  const series = [];
  const xs = new Set();
  const tasks = [...model.tasks.values()].filter((t) => t.rates.length > 0);
  for (const t of tasks) for (const [x] of t.rates) xs.add(x);
  const x = [...xs].sort((a, b) => a - b);
  const data = [x];
  tasks.forEach((t, i) => {
    const at = new Map(t.rates.map(([tx, y]) => [tx, y]));
    // Average over ~0.5 s so a 100 ms sampling does not draw noise.
    const ys = x.map((tx) => (at.has(tx) ? at.get(tx) : null));
    data.push(smooth(x, ys, 0.5));
    series.push({ label: t.name, stroke: COLORS[i % COLORS.length], width: 2, fill: `${COLORS[i % COLORS.length]}22`, spanGaps: true, points: { show: false } });
  });
  if (series.length === 0) return;
  app.charts.throughput = lineChart($('throughput'), app.charts.throughput, series, data, 'events/s');
}

function smooth(x, ys, window) {
  const out = new Array(ys.length).fill(null);
  for (let i = 0; i < ys.length; i++) {
    if (ys[i] === null) continue;
    let sum = 0; let n = 0;
    for (let j = i; j >= 0 && x[i] - x[j] <= window; j--) if (ys[j] !== null) { sum += ys[j]; n++; }
    out[i] = n ? sum / n : null;
  }
  return out;
}

function renderMemory(model) {
  const workers = [...model.mem.keys()].sort((a, b) => (a === 'main' ? -1 : b === 'main' ? 1 : a.localeCompare(b, 'en', { numeric: true })));
  if (workers.length === 0) return;
  const xs = new Set();
  for (const w of workers) for (const r of model.mem.get(w)) xs.add(r.t / 1000);
  const x = [...xs].sort((a, b) => a - b);
  const data = [x];
  const series = [];
  workers.forEach((w, i) => {
    const color = COLORS[i % COLORS.length];
    const recs = model.mem.get(w);
    const byT = new Map(recs.map((r) => [r.t / 1000, r]));
    const host = recs[recs.length - 1].host;
    const name = host ? `${host}/${w}` : w;
    // Threads share their process's RSS: draw it once (main), and each thread's own heap.
    if (w === 'main' || host) {
      data.push(x.map((t) => (byT.has(t) && byT.get(t).rss !== undefined ? byT.get(t).rss / MIB : null)));
      series.push({ label: `${name} RSS`, stroke: color, width: 2, spanGaps: true, points: { show: false } });
    }
    data.push(x.map((t) => (byT.has(t) && byT.get(t).heapUsed !== undefined ? byT.get(t).heapUsed / MIB : null)));
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
  $('hist-version').textContent = record ? `${count(record.version)} partials merged · ${duration(record.t)}` : '';
  const container = $('hists');
  if (selected.length === 0) {
    if (!container.querySelector('.empty')) { for (const c of app.charts.hists.values()) c.plot.destroy(); app.charts.hists.clear(); container.innerHTML = '<p class="empty">No histograms merged yet.</p>'; }
    return;
  }
  container.querySelector('.empty')?.remove();
  for (const [k, c] of app.charts.hists) {
    if (!selected.includes(k)) { c.plot.destroy(); c.el.remove(); app.charts.hists.delete(k); }
  }
  selected.forEach((k, i) => {
    const h = hists.find((x) => x.key === k);
    let c = app.charts.hists.get(k);
    if (!c) {
      const el = document.createElement('div');
      el.className = 'hist-panel';
      el.dataset.key = k;
      el.innerHTML = `<div class="hist-title">${esc(k)}<span></span></div><div class="plot"></div>`;
      container.appendChild(el);
      c = { el, plot: null, n: -1 };
      app.charts.hists.set(k, c);
    }
    c.el.dataset.entries = String(h.entries);
    c.el.querySelector('.hist-title span').textContent = `${count(h.entries)} entries`;
    const categorical = !h.edges;
    const xs = categorical ? h.categories.map((_, j) => j) : h.edges.slice();
    const ys = categorical ? h.values.slice() : [...h.values, h.values[h.values.length - 1] || 0];
    const width = Math.max(200, c.el.clientWidth || 300);
    if (c.plot && c.n === xs.length && c.plot.width === width) { c.plot.setData([xs, ys]); return; }
    if (c.plot) c.plot.destroy();
    const color = COLORS[i % COLORS.length];
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

async function maybeFetchHists(model) {
  if (app.mode !== 'live' || app.histFetch.inFlight || !app.connected) return;
  const task = currentTask(model);
  if (!task) return;
  const since = performance.now() - app.histFetch.at;
  if (since < 250 || app.histFetch.version.get(task.id) === task.ends) return;
  app.histFetch.inFlight = true;
  app.histFetch.at = performance.now();
  app.histFetch.version.set(task.id, task.ends);
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

// Redraws what changed since the last frame (everything after a user action, a resize or a replay
// jump): with the page open, the run should lose as little CPU to it as possible.
// Light panels (numbers, tables) redraw when their records come; the canvases (task stream, charts,
// histograms) at most every HEAVY_MS, so the page stays within 250 ms of the run (records are sent
// every 100 ms) while costing the machine little CPU. No animation loop runs while nothing changes.
const HEAVY_MS = 150;
let heavyAt = 0;
const heavyPending = new Set();
function render(full) {
  const model = app.model;
  for (const panel of model.changed) heavyPending.add(panel);
  const changed = model.changed;
  model.changed = new Set();
  const task = currentTask(model);
  const t = performance.now();
  renderHeader(model, task);
  if (full || changed.has('progress')) renderProgress(model);
  if (full || changed.has('failures')) renderFailures(model);
  if (full || changed.has('actors')) renderActors(task);
  if (full || t - heavyAt >= HEAVY_MS) {
    heavyAt = t;
    // Bars in flight grow with time: the stream is redrawn on every heavy pass while running.
    renderStream(task);
    if (full || heavyPending.has('charts')) { renderThroughput(model); renderMemory(model); }
    if (full || heavyPending.has('hists')) renderHists(task);
    heavyPending.clear();
  }
  if (app.mode === 'replay') $('slider-time').textContent = `${duration(app.replayT)} / ${duration(app.records.length ? app.records[app.records.length - 1].t : 0)}`;
  document.body.dataset.rendered = String(Date.now());
}

let lastRender = 0;
let timer = null;
function isRunning() {
  return app.mode === 'live' && app.connected && [...app.model.tasks.values()].some((x) => x.progress && x.progress.status === 'running');
}
/** Asks for a redraw: at once when the last one is 100 ms old, else when it will be. */
function schedule() {
  if (timer !== null) return;
  timer = setTimeout(tick, Math.max(0, 100 - (performance.now() - lastRender)));
}
function tick() {
  timer = null;
  const full = app.dirty;
  app.dirty = false;
  lastRender = performance.now();
  render(full);
  void maybeFetchHists(app.model);
  // While a run goes, keep the stream's bars in flight growing and histograms coming.
  if (isRunning() || heavyPending.size > 0) setTimeout(schedule, HEAVY_MS);
}
function invalidate() {
  app.dirty = true;
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
    if (first) {
      // The history: a reconnect starts over from it.
      first = false;
      app.records = [];
      app.model = emptyModel();
      app.liveHists.clear();
    }
    for (const r of batch) { if (app.mode === "replay") app.records.push(r); else apply(app.model, r); }
    if (batch.length) {
      const meta = app.mode === 'live' ? app.model.meta : null;
      // How far behind the run this page is: the newest record's age on arrival (same machine's clock).
      if (meta && !history) {
        const lag = Date.now() - (Date.parse(meta.startedAt) + batch[batch.length - 1].t);
        app.lags.push(lag);
        if (app.lags.length > 1000) app.lags.shift();
      }
      app.lastRecordT = Math.max(app.lastRecordT, batch[batch.length - 1].t);
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
