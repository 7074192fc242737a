// The status page: reads /status, /policies, /health and /stats every two seconds and shows them. Everything the
// server returns is put in the page as text (textContent), never as HTML: policy errors quote files.
'use strict';

const REFRESH_MS = 2000;
const TOKEN_KEY = 'scriptable.admin.token';
let previous = null; // the last /stats and /policies, for rates
let timer = null;

function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

function headers(extra) {
  const h = Object.assign({ Accept: 'application/json' }, extra || {});
  if (token()) {
    h.Authorization = 'Bearer ' + token();
  }
  return h;
}

async function getJson(path) {
  const response = await fetch(path, { headers: headers(), cache: 'no-store' });
  if (!response.ok) {
    throw new Error(path + ': HTTP ' + response.status + (response.status === 401 ? ' (type the admin token above)' : ''));
  }
  return response.json();
}

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) {
    e.textContent = String(text);
  }
  if (className) {
    e.className = className;
  }
  return e;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    if (cell instanceof Node) {
      td.appendChild(cell);
    } else {
      td.textContent = cell === undefined || cell === null ? '' : String(cell);
    }
    tr.appendChild(td);
  }
  return tr;
}

function fill(tableId, rows) {
  const body = document.querySelector('#' + tableId + ' tbody');
  body.replaceChildren(...rows);
}

function when(iso) {
  if (!iso) {
    return '';
  }
  const d = new Date(iso);
  const seconds = Math.round((Date.now() - d.getTime()) / 1000);
  const ago = seconds < 90 ? seconds + ' s ago' : seconds < 5400 ? Math.round(seconds / 60) + ' min ago' : Math.round(seconds / 3600) + ' h ago';
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') + ' (' + ago + ')';
}

function milliseconds(seconds) {
  if (seconds === null || !isFinite(seconds)) {
    return '-';
  }
  return seconds < 0.001 ? (seconds * 1e6).toFixed(0) + ' µs' : (seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1) + ' ms';
}

// The q-quantile of a histogram (non-cumulative counts, one per bound and one above), interpolated within its
// bucket as Prometheus's histogram_quantile does.
function quantile(q, bounds, counts) {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) {
    return null;
  }
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (seen + counts[i] >= rank && counts[i] > 0) {
      if (i >= bounds.length) {
        return bounds[bounds.length - 1];
      }
      const low = i === 0 ? 0 : bounds[i - 1];
      return low + (bounds[i] - low) * ((rank - seen) / counts[i]);
    }
    seen += counts[i];
  }
  return bounds[bounds.length - 1];
}

function showTraffic(stats) {
  const before = previous && previous.stats;
  const seconds = before ? stats.time - before.time : 0;
  const delta = (now, then) => (before && seconds > 0 ? now - then : null);
  const answered = delta(stats.responses, before && before.responses);
  document.getElementById('qps').textContent = answered === null ? '-' : (answered / seconds).toFixed(answered / seconds < 10 ? 1 : 0);
  const counts = before && seconds > 0 ? stats.duration.counts.map((c, i) => c - before.duration.counts[i]) : stats.duration.counts;
  document.getElementById('p50').textContent = milliseconds(quantile(0.5, stats.duration.bounds, counts));
  document.getElementById('p99').textContent = milliseconds(quantile(0.99, stats.duration.bounds, counts));
  document.getElementById('total').textContent = String(stats.responses);
  const rows = Object.keys(stats.rcodes).sort().map(rcode => {
    const then = before && before.rcodes[rcode] !== undefined ? before.rcodes[rcode] : 0;
    const rate = before && seconds > 0 ? ((stats.rcodes[rcode] - then) / seconds).toFixed(1) : '-';
    return row([rcode, rate, stats.rcodes[rcode]]);
  });
  fill('rcodes', rows);
}

function overrideButton(name, label, action) {
  const b = el('button', label);
  b.type = 'button';
  b.dataset.action = action;
  b.dataset.check = name;
  b.addEventListener('click', () => override(name, action));
  return b;
}

function showHealth(health) {
  const rows = health.checks.map(c => {
    const state = el('span', c.state, 'state state-' + c.state);
    const o = c.override ? c.override.state + (c.override.expires ? ' until ' + c.override.expires : '') + (c.override.reason ? ': ' + c.override.reason : '') : '';
    const actions = document.createElement('span');
    actions.append(overrideButton(c.name, 'drain', 'drain'), overrideButton(c.name, 'force up', 'up'), overrideButton(c.name, 'force down', 'down'));
    if (c.override) {
      actions.append(overrideButton(c.name, 'clear', 'clear'));
    }
    const why = c.reason || '';
    const tr = row([c.name, state, when(c.since), c.output ? why + ' | ' + c.output : why, o, c.target, actions]);
    tr.dataset.check = c.name;
    tr.dataset.state = c.state;
    return tr;
  });
  fill('checks', rows);
}

function showPolicies(policies, time) {
  const before = previous && previous.policies;
  const rows = policies.map(p => {
    const then = before && before.files[p.file];
    const minutes = then ? (time - before.time) / 60 : 0;
    const failures = p.counters.exceptions + p.counters.budgetStops;
    const rate = (now, old) => (then && minutes > 0 ? ((now - old) / minutes).toFixed(1) : '-');
    const errors = el('ul', null, 'errors');
    for (const e of p.errors.concat(p.warnings)) {
      errors.appendChild(el('li', e));
    }
    const tr = row([p.file, p.names.join(', '), p.serving + (p.serving === 'fallback' ? ' (' + p.fallback + ')' : ''), p.revision, when(p.loadedAt),
      rate(p.counters.fallbacks, then && then.fallbacks), rate(failures, then && then.failures), errors]);
    tr.dataset.file = p.file;
    return tr;
  });
  fill('policies', rows);
  const files = {};
  for (const p of policies) {
    files[p.file] = { fallbacks: p.counters.fallbacks, failures: p.counters.exceptions + p.counters.budgetStops };
  }
  return { time, files };
}

function showStatus(status) {
  document.getElementById('node').textContent = status.node + ' ' + status.version;
  fill('zones', status.zones.map(z => row([z.origin, z.serial, z.records, z.file])));
  const errors = document.getElementById('zone-errors');
  errors.replaceChildren(...status.zoneErrors.map(e => el('li', e)), ...status.zoneWarnings.map(w => el('li', w)));
  const facts = [
    ['node', status.node], ['version', status.version], ['started', when(status.startedAt)], ['listening', status.listen.join(', ')],
    ['policies', status.policies.names + ' names from ' + status.policies.files + ' files, ' + status.policies.failing + ' failing'],
    ['health', status.health.up + ' up, ' + status.health.down + ' down, ' + status.health.draining + ' draining, ' + status.health.overrides + ' overrides'],
    ['geo databases', status.geo.map(g => g.file + ' (' + g.type + ')').join(', ') || 'none'],
  ];
  const dl = document.getElementById('node-facts');
  dl.replaceChildren(...facts.flatMap(([k, v]) => [el('dt', k), el('dd', v)]));
}

function problem(text) {
  const p = document.getElementById('problem');
  p.hidden = !text;
  p.textContent = text || '';
}

async function refresh() {
  clearTimeout(timer);
  try {
    const [status, policies, health, stats] = await Promise.all([getJson('/status'), getJson('/policies'), getJson('/health'), getJson('/stats')]);
    showStatus(status);
    showHealth(health);
    showTraffic(stats);
    const policyRates = showPolicies(policies, stats.time);
    previous = { stats, policies: policyRates };
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
    problem('');
  } catch (e) {
    problem('Cannot read the server: ' + e.message);
  }
  timer = setTimeout(refresh, REFRESH_MS);
}

async function override(name, action) {
  const message = document.getElementById('override-message');
  const url = '/health/' + encodeURIComponent(name) + '/override';
  const request = action === 'clear'
    ? { method: 'DELETE', headers: headers() }
    : { method: 'PUT', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify({ state: action, reason: 'status page' }) };
  let text;
  try {
    const response = await fetch(url, request);
    const body = await response.json().catch(() => ({}));
    text = response.ok ? (action === 'clear' ? name + ': override cleared' : name + ': ' + action + ' set')
      : name + ': ' + (body.error || 'HTTP ' + response.status) + (response.status === 401 ? ' (type the admin token above)' : '');
  } catch (e) {
    text = name + ': ' + e.message;
  }
  message.hidden = false;
  message.textContent = text;
  refresh();
}

function start() {
  const input = document.getElementById('token');
  input.value = token();
  document.getElementById('token-form').addEventListener('submit', e => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    refresh();
  });
  document.getElementById('token-forget').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    input.value = '';
    refresh();
  });
  refresh();
}

document.addEventListener('DOMContentLoaded', start);
