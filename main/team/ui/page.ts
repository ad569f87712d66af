/**
 * The team server's small read-only page, at /lite: the team's history with
 * filters and CSV export, runbooks with freshness and p50/p90, live drills,
 * and the audit log. The React app in team mode (renderer/team/) is at /;
 * this page stays for a server without the built renderer.
 *
 * Everything it shows comes from the JSON API and is put on the page with
 * textContent, never as HTML; the Content-Security-Policy allows only this
 * page's own script and style and fetches to this server. The API token
 * lives in sessionStorage (gone when the tab closes) and is sent as a
 * Bearer header, never a cookie, so other sites cannot ride on it.
 */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Drillbook team</title>
<link rel="stylesheet" href="/lite/team.css">
<script src="/lite/team.js" defer></script>
</head>
<body>
<header><strong>Drillbook</strong> <span class="muted">team server</span><nav id="nav"></nav><span id="who" class="muted"></span></header>
<main id="main"></main>
</body>
</html>
`;

export const CSS = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1c1f23; --muted: #5f6b7a; --line: #d9dee5; --accent: #1f6feb; --bad: #c62828; --ok: #2e7d32; --warn: #b26a00; }
@media (prefers-color-scheme: dark) { :root { --bg: #14171b; --fg: #e6e9ee; --muted: #9aa5b1; --line: #2c333b; --accent: #58a6ff; --bad: #ff6b6b; --ok: #5fd47a; --warn: #f0b34a; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; gap: 16px; align-items: center; padding: 10px 20px; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header nav { display: flex; gap: 4px; flex: 1; }
header nav button { background: none; border: 0; color: var(--fg); padding: 6px 10px; border-radius: 6px; cursor: pointer; font: inherit; }
header nav button[aria-current="page"] { background: color-mix(in srgb, var(--accent) 15%, transparent); color: var(--accent); font-weight: 600; }
main { padding: 16px 20px; max-width: 1400px; }
.muted { color: var(--muted); }
h2 { font-size: 16px; margin: 4px 0 12px; }
#runbook-detail h2 { margin-top: 24px; }
form.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin-bottom: 12px; }
label { display: flex; flex-direction: column; gap: 2px; font-size: 12px; color: var(--muted); }
input, select, button.act { font: inherit; padding: 5px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
button.act { cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.wrap { white-space: normal; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: var(--ok); font-weight: 600; }
.fail, .overdue { color: var(--bad); font-weight: 600; }
.running { color: var(--warn); font-weight: 600; }
.login { max-width: 360px; margin: 60px auto; display: flex; flex-direction: column; gap: 10px; }
.error { color: var(--bad); }
.trend { margin: 8px 0 16px; max-width: 720px; }
.trend svg { width: 100%; height: auto; display: block; border-bottom: 1px solid var(--line); }
.trend .bar { fill: color-mix(in srgb, var(--accent) 70%, transparent); }
.trend .bar.missed { fill: var(--bad); }
.trend .target { stroke: var(--warn); stroke-width: 2; stroke-dasharray: 6 4; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
a.link, button.link { color: var(--accent); background: none; border: 0; padding: 0; cursor: pointer; font: inherit; text-decoration: underline; }
.scroll { overflow-x: auto; }
`;

export const JS = String.raw`'use strict';
(function () {
  var TOKEN_KEY = 'drillbook-team-token';
  var state = { token: sessionStorage.getItem(TOKEN_KEY), me: null, tab: 'history', timer: null, stream: null };
  var main = document.getElementById('main');
  var nav = document.getElementById('nav');
  var who = document.getElementById('who');

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'class') e.className = attrs[k];
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c !== null && c !== undefined) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function dur(ms) {
    if (ms === null || ms === undefined) return '—';
    var s = Math.round(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h > 0 ? h + 'h ' + String(m).padStart(2, '0') + 'm' : m > 0 ? m + 'm ' + String(r).padStart(2, '0') + 's' : r + 's';
  }
  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }
  function day(iso) { return iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '—'; }

  function api(path, opts) {
    opts = opts || {};
    var headers = { };
    if (state.token) headers.authorization = 'Bearer ' + state.token;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(path, { method: opts.method || 'GET', headers: headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) }).then(function (r) {
      if (r.status === 401 && path !== '/api/login') { logout(); throw new Error('your session ended; sign in again'); }
      if (opts.raw) { if (!r.ok) throw new Error('the server answered ' + r.status); return r; }
      return r.json().then(function (j) { if (!r.ok) throw new Error(j && j.error ? j.error : 'the server answered ' + r.status); return j; });
    });
  }
  function fail(where) { return function (err) { clear(where); where.appendChild(el('p', { class: 'error', role: 'alert', text: err.message })); }; }
  function logout() { sessionStorage.removeItem(TOKEN_KEY); state.token = null; state.me = null; render(); }

  function loginView() {
    var msg = el('p', { class: 'error', role: 'alert' });
    var name = el('input', { id: 'login-name', autocomplete: 'username', required: 'required' });
    var pw = el('input', { id: 'login-password', type: 'password', autocomplete: 'current-password', required: 'required' });
    var token = el('input', { id: 'login-token', type: 'password', autocomplete: 'off', placeholder: 'dbt_…' });
    var form = el('form', { class: 'login', onsubmit: function (e) {
      e.preventDefault();
      msg.textContent = '';
      var t = token.value.trim();
      var p = t ? Promise.resolve({ token: t }) : api('/api/login', { method: 'POST', body: { name: name.value, password: pw.value } });
      p.then(function (j) { state.token = j.token; return api('/api/me'); }).then(function (me) {
        sessionStorage.setItem(TOKEN_KEY, state.token); state.me = me; render();
      }).catch(function (err) { state.token = null; msg.textContent = err.message; });
    } }, [
      el('h2', { text: 'Sign in to the team server' }),
      el('label', {}, ['User name', name]),
      el('label', {}, ['Password', pw]),
      el('label', {}, ['or an API token', token]),
      el('button', { class: 'act primary', type: 'submit', text: 'Sign in' }),
      msg,
    ]);
    return form;
  }

  var TABS = [['history', 'History'], ['runbooks', 'Runbooks'], ['live', 'Live drills'], ['audit', 'Audit log']];
  function render() {
    if (state.timer) { clearInterval(state.timer); state.timer = null; }
    if (state.stream) { state.stream.abort(); state.stream = null; }
    clear(main); clear(nav); who.textContent = '';
    if (!state.token) { main.appendChild(loginView()); return; }
    if (!state.me) { api('/api/me').then(function (me) { state.me = me; render(); }).catch(fail(main)); return; }
    TABS.forEach(function (t) {
      if (t[0] === 'audit' && state.me.role !== 'admin' && state.me.role !== 'auditor') return;
      nav.appendChild(el('button', { 'aria-current': state.tab === t[0] ? 'page' : 'false', 'data-tab': t[0], text: t[1], onclick: function () { state.tab = t[0]; render(); } }));
    });
    who.appendChild(el('span', { text: state.me.name + ' (' + state.me.role + ') ' }));
    who.appendChild(el('button', { class: 'link', text: 'Sign out', onclick: logout }));
    ({ history: historyView, runbooks: runbooksView, live: liveView, audit: auditView })[state.tab]();
  }

  function query(form) {
    var q = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (i) { if (i.name && i.value) q.set(i.name, i.value); });
    return q;
  }
  function historyView() {
    var out = el('div', { class: 'scroll' });
    var sel = function (name, opts) { return el('select', { name: name }, [el('option', { value: '', text: 'any' })].concat(opts.map(function (o) { return el('option', { value: o, text: o }); }))); };
    var form = el('form', { class: 'filters', onsubmit: function (e) { e.preventDefault(); load(); } }, [
      el('label', {}, ['Runbook (path or title)', el('input', { name: 'runbook', size: '28' })]),
      el('label', {}, ['Operator', el('input', { name: 'operator', size: '12' })]),
      el('label', {}, ['Mode', sel('mode', ['rehearsal', 'live', 'automated'])]),
      el('label', {}, ['Result', sel('result', ['pass', 'fail'])]),
      el('label', {}, ['Since (UTC day)', el('input', { name: 'since', type: 'date' })]),
      el('label', {}, ['Until', el('input', { name: 'until', type: 'date' })]),
      el('button', { class: 'act primary', type: 'submit', text: 'Show' }),
      el('button', { class: 'act', type: 'button', text: 'Export CSV', onclick: function () {
        var q = query(form); q.set('format', 'csv'); q.set('limit', '1000');
        api('/api/drills?' + q, { raw: true }).then(function (r) { return r.blob(); }).then(function (b) {
          var a = el('a', { href: URL.createObjectURL(b), download: 'team-drills.csv' }); a.click(); setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
        }).catch(fail(out));
      } }),
    ]);
    function load() {
      api('/api/drills?' + query(form)).then(function (j) {
        clear(out);
        if (j.drills.length === 0) { out.appendChild(el('p', { class: 'muted', text: 'No drills match. Operators publish with drillbook team publish.' })); return; }
        var rows = j.drills.map(function (d) {
          var rto = d.rto.targetSec === null ? '—' : dur((d.rto.actualSec || 0) * 1000) + ' / ' + dur(d.rto.targetSec * 1000) + (d.rto.met === false ? ' missed' : '');
          return el('tr', {}, [
            el('td', { class: 'when' }, [el('span', { text: day(d.startedAt).slice(0, 10) }), el('br'), el('span', { class: 'muted', text: day(d.startedAt).slice(11) })]),
            el('td', { class: 'wrap' }, [el('span', { text: d.runbook.title }), el('br'), el('span', { class: 'muted', text: d.runbook.path })]),
            el('td', { text: d.operator }), el('td', { text: d.mode }),
            el('td', { class: d.result || 'running', text: d.result || d.status }),
            el('td', { class: 'num', text: dur(d.netMs) }), el('td', { class: 'num', text: rto }),
            el('td', { class: 'muted', text: d.publisher }),
            el('td', {}, [d.evidence ? el('button', { class: 'link', 'data-bundle': d.id, title: 'Download the evidence bundle (zip), sha256 ' + d.evidence.sha256, 'aria-label': 'download the evidence bundle, ' + (d.evidence.verified ? 'verified by the server' : 'failed the server\'s verification'), text: d.evidence.verified ? '✓ verified' : '✗ failed', onclick: function () {
              api('/api/drills/' + encodeURIComponent(d.id) + '/bundle', { raw: true }).then(function (r) { return r.blob(); }).then(function (b) {
                var a = el('a', { href: URL.createObjectURL(b), download: 'drill-' + d.id + '.zip' }); a.click(); setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
              }).catch(fail(out));
            } }) : el('span', { class: 'muted', text: d.status === 'running' ? '—' : 'not yet' })]),
          ]);
        });
        out.appendChild(el('table', { id: 'drills' }, [el('thead', {}, [el('tr', {}, ['Started', 'Runbook', 'Operator', 'Mode', 'Result', 'Net', 'RTO actual / target', 'Published by', 'Evidence'].map(function (h, i) { return el('th', { class: i === 5 || i === 6 ? 'num' : '', text: h }); }))]), el('tbody', {}, rows)]));
      }).catch(fail(out));
    }
    main.appendChild(el('h2', { text: 'Team history' }));
    main.appendChild(form); main.appendChild(out); load();
  }

  function runbooksView() {
    var list = el('div', { class: 'scroll' });
    var detail = el('div', { id: 'runbook-detail' });
    main.appendChild(el('h2', { text: 'Runbooks and freshness' }));
    main.appendChild(list); main.appendChild(detail);
    Promise.all([api('/api/runbooks'), api('/api/freshness')]).then(function (r) {
      var fresh = {}; r[1].runbooks.forEach(function (f) { fresh[f.runbookPath] = f; });
      var rows = r[0].runbooks.map(function (rb) {
        var f = fresh[rb.runbookPath] || {};
        var policy = f.drillEverySec ? Math.round(f.drillEverySec / 86400) + ' d' + (f.policySource && f.policySource.indexOf('tag:') === 0 ? ' (tag ' + f.policySource.slice(4) + ')' : '') : 'none';
        var status = f.drillEverySec ? (f.overdue ? el('span', { class: 'overdue', text: f.lastPassAt ? 'overdue ' + Math.round(f.overdueBySec / 86400) + ' d' : 'overdue: never passed' }) : el('span', { class: 'pass', text: 'due ' + day(f.dueAt).slice(0, 10) })) : el('span', { class: 'muted', text: '—' });
        return el('tr', {}, [
          el('td', { class: 'wrap' }, [el('button', { class: 'link', text: rb.title, onclick: function () { stats(rb.runbookPath); } }), el('br'), el('span', { class: 'muted', text: rb.runbookPath })]),
          el('td', { class: 'num', text: String(rb.drills) }), el('td', { class: 'num', text: String(rb.passed) }),
          el('td', { text: day(rb.lastPassAt) }), el('td', { text: policy }), el('td', {}, [status]),
        ]);
      });
      list.appendChild(el('p', { class: r[1].overdue.length ? 'overdue' : 'pass', id: 'overdue-count', text: r[1].overdue.length + ' runbook' + (r[1].overdue.length === 1 ? '' : 's') + ' overdue' }));
      list.appendChild(el('table', { id: 'runbooks' }, [el('thead', {}, [el('tr', {}, ['Runbook', 'Drills', 'Passed', 'Last pass', 'Drill every', 'Freshness'].map(function (h, i) { return el('th', { class: i === 1 || i === 2 ? 'num' : '', text: h }); }))]), el('tbody', {}, rows)]));
    }).catch(fail(list));
    function stats(p) {
      api('/api/runbooks/stats?path=' + encodeURIComponent(p)).then(function (s) {
        clear(detail);
        detail.appendChild(el('h2', { text: s.title + ': the team\u2019s times' }));
        detail.appendChild(el('p', { class: 'muted', text: 'Newest ' + s.basis.drills + ' finished drills (' + day(s.basis.from) + ' to ' + day(s.basis.to) + '), ' + s.operators + ' operators, ' + s.versions + ' versions. Drill p50 ' + dur(s.netMs.p50) + ', p90 ' + dur(s.netMs.p90) + (s.rtoSec.target ? '; RTO target ' + dur(s.rtoSec.target * 1000) + ', actual p50 ' + dur(s.rtoSec.p50 * 1000) + ', p90 ' + dur(s.rtoSec.p90 * 1000) : '') + '.' }));
        if (s.trend.length > 1 && s.rtoSec.target) detail.appendChild(trendChart(s.trend));
        detail.appendChild(el('table', { id: 'steps' }, [el('thead', {}, [el('tr', {}, [el('th', { text: 'Step' }), el('th', { class: 'num', text: 'Drills' }), el('th', { class: 'num', text: 'p50' }), el('th', { class: 'num', text: 'p90' })])]), el('tbody', {}, s.steps.map(function (st) {
          return el('tr', {}, [el('td', { class: 'wrap', text: st.title }), el('td', { class: 'num', text: String(st.drills) }), el('td', { class: 'num', text: dur(st.p50Ms) }), el('td', { class: 'num', text: dur(st.p90Ms) })]);
        }))]));
      }).catch(fail(detail));
    }
  }

  /** RTO p50 per point (bars; red where a drill missed) against the target (line), as SVG built node by node. */
  function trendChart(trend) {
    var NS = 'http://www.w3.org/2000/svg';
    function svg(tag, attrs, children) {
      var e = document.createElementNS(NS, tag);
      for (var k in attrs) e.setAttribute(k, String(attrs[k]));
      (children || []).forEach(function (c) { e.appendChild(c); });
      return e;
    }
    var W = 640, H = 120, pad = 4;
    var top = Math.max.apply(null, trend.map(function (b) { return Math.max(b.rtoP50Sec || 0, b.rtoTargetSec || 0); })) * 1.15 || 1;
    var bw = (W - pad * 2) / trend.length;
    var y = function (v) { return H - pad - (v / top) * (H - pad * 2); };
    var target = trend[trend.length - 1].rtoTargetSec;
    var nodes = trend.map(function (b, i) {
      var h = Math.max(1, H - pad - y(b.rtoP50Sec || 0));
      return svg('rect', { x: (pad + i * bw + 1).toFixed(1), y: y(b.rtoP50Sec || 0).toFixed(1), width: Math.max(1, bw - 2).toFixed(1), height: h.toFixed(1), class: b.missed ? 'bar missed' : 'bar' }, [
        svg('title', {}, [document.createTextNode(day(b.from) + (b.drills > 1 ? ' to ' + day(b.to) : '') + ': ' + b.drills + ' drill' + (b.drills === 1 ? '' : 's') + ', RTO p50 ' + dur((b.rtoP50Sec || 0) * 1000) + ', worst ' + dur((b.rtoWorstSec || 0) * 1000) + (b.missed ? ', ' + b.missed + ' missed' : ''))]),
      ]);
    });
    if (target) nodes.push(svg('line', { x1: pad, x2: W - pad, y1: y(target).toFixed(1), y2: y(target).toFixed(1), class: 'target' }));
    var missed = trend.reduce(function (a, b) { return a + b.missed; }, 0);
    return el('figure', { class: 'trend', id: 'trend' }, [
      svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'RTO against target over ' + trend.length + ' points' }, nodes),
      el('figcaption', { class: 'muted', text: 'RTO actual (p50 per point, oldest left; red: a drill missed it) against the target line of ' + dur(target * 1000) + '. ' + missed + ' missed.' }),
    ]);
  }

  function liveView() {
    var out = el('div', { class: 'cards', id: 'live' });
    main.appendChild(el('h2', { text: 'Live drills' }));
    main.appendChild(el('p', { class: 'muted', text: 'Read-only, as of each drill\u2019s last published event (drillbook team publish --live), updated as it arrives. Terminals are never shown here.' }));
    main.appendChild(out);
    function load() {
      api('/api/live').then(function (j) {
        clear(out);
        if (j.drills.length === 0) out.appendChild(el('p', { class: 'muted', text: 'No drill is running.' }));
        j.drills.forEach(function (d) {
          out.appendChild(el('div', { class: 'card' }, [
            el('strong', { text: d.runbook.title }), el('div', { class: 'muted', text: d.operator + ' · ' + d.mode + ' · started ' + day(d.startedAt) + (d.paused ? ' · paused' : '') }),
            el('div', { text: 'Net ' + dur(d.clock.netMs) + (d.rto.targetSec ? ' · RTO ' + dur((d.rto.actualSec || 0) * 1000) + ' of ' + dur(d.rto.targetSec * 1000) : '') + ' · last event ' + day(d.lastEventAt) }),
            el('ol', {}, d.steps.map(function (s) { return el('li', { class: s.status === 'running' ? 'running' : s.status === 'failed' ? 'fail' : '', text: s.title + ' — ' + s.status + (s.durationMs !== null ? ' (' + dur(s.durationMs) + ')' : '') }); })),
          ]));
        });
      }).catch(fail(out));
    }
    // Pushed: the server names a drill on /api/live/events as soon as new events of it are stored; polling every
    // 15 s only covers a stream that a proxy cut.
    load(); state.timer = setInterval(load, 15000);
    var ac = new AbortController(); state.stream = ac;
    fetch('/api/live/events', { headers: { authorization: 'Bearer ' + state.token }, signal: ac.signal }).then(function (r) {
      if (!r.ok || !r.body) return;
      var reader = r.body.getReader(), dec = new TextDecoder(), buf = '';
      out.setAttribute('data-stream', 'open');
      (function pump() {
        reader.read().then(function (x) {
          if (x.done) { out.setAttribute('data-stream', 'closed'); return; }
          buf += dec.decode(x.value, { stream: true });
          if (buf.indexOf('event: drill') >= 0) { buf = ''; load(); } else if (buf.length > 65536) buf = '';
          pump();
        }).catch(function () { out.setAttribute('data-stream', 'closed'); });
      })();
    }).catch(function () { /* aborted, or no stream: polling goes on */ });
  }

  function auditView() {
    var out = el('div', { class: 'scroll' });
    main.appendChild(el('h2', { text: 'Audit log (newest 200)' }));
    main.appendChild(out);
    api('/api/audit?limit=200').then(function (j) {
      out.appendChild(el('table', { id: 'audit' }, [el('thead', {}, [el('tr', {}, ['When', 'Who', 'From', 'Action', 'Target', 'Outcome'].map(function (h) { return el('th', { text: h }); }))]), el('tbody', {}, j.entries.map(function (e) {
        return el('tr', {}, [el('td', { text: day(e.at) }), el('td', { text: e.actor || '—' }), el('td', { class: 'muted', text: e.address || '' }), el('td', { text: e.action }), el('td', { text: e.target || '' }), el('td', { class: e.outcome === 'ok' ? '' : 'fail', text: e.outcome })]);
      }))]));
    }).catch(fail(out));
  }

  render();
})();
`;
