// ferry ui: the page. Plain DOM, no framework; every value goes in as text (never as HTML).
import { api, badge, clock, h, num, q, showError, stateClass } from './dom.js';
import { graph, legend } from './graph.js';

// gen: bumped on every navigation; an answer that arrives for an older view is dropped.
const state = { overview: null, timers: [], panelTimer: null, gen: 0 };

function view() {
  return document.getElementById('view');
}

function stopTimers() {
  for (const t of state.timers) clearInterval(t);
  state.timers = [];
}

// ---- workflows ------------------------------------------------------------

async function showWorkflows() {
  const el = view();
  const gen = state.gen;
  const wfs = await api('workflows');
  if (gen !== state.gen) return;
  el.replaceChildren(h('h1', {}, 'Workflows'));
  if (!state.overview.workspace) el.append(h('p', { class: 'muted' }, 'No workspace here: workflows need a ferry.yaml (start ferry ui in its folder, or give --workspace).'));
  else if (!wfs.length) el.append(h('p', { class: 'muted' }, 'The workspace declares no workflows.'));
  for (const wf of wfs) {
    el.append(
      h(
        'section',
        { class: 'card', 'data-workflow': wf.name },
        h('h2', {}, h('a', { href: `#/instances/${encodeURIComponent(wf.name)}` }, wf.name)),
        h(
          'div',
          { class: 'meta' },
          wf.cron
            ? [
                'schedule ',
                h('b', {}, wf.cron),
                ` in ${wf.timezone}`,
                ' · next run ',
                h('b', { class: 'next-run' }, wf.next ? wf.next.at : 'none within 400 days'),
                wf.next ? ` (bizdate ${wf.next.bizdate})` : '',
              ]
            : 'not scheduled (run it with ferry workflow run)',
          ` · ${wf.nodes.length} node${wf.nodes.length === 1 ? '' : 's'}`,
        ),
        graph(wf, undefined, (node) => (location.hash = `#/instances/${encodeURIComponent(wf.name)}//${encodeURIComponent(node)}`)),
        legend(),
      ),
    );
  }
}

// ---- instances ------------------------------------------------------------

async function showInstances(wfName, bizdate, node) {
  const el = view();
  const gen = state.gen;
  const wfs = await api('workflows');
  if (gen !== state.gen) return;
  if (!wfs.length) {
    el.replaceChildren(
      h('h1', {}, 'Instances'),
      h('p', { class: 'muted' }, state.overview.workspace ? 'The workspace declares no workflows.' : 'No workspace here: instances belong to the workflows of a ferry.yaml.'),
    );
    return;
  }
  const wf = wfs.find((w) => w.name === wfName) || wfs[0];
  let last = '';
  let openedFromHash = false;
  const render = async () => {
    const insts = await api(`instances?${q({ workflow: wf.name })}`);
    const key = JSON.stringify(insts);
    if (key === last || gen !== state.gen) return;
    last = key;
    const inst = insts.find((i) => i.bizdate === bizdate) || insts[0];
    const picker = h(
      'select',
      { id: 'workflow-pick', onchange: (e) => (location.hash = `#/instances/${encodeURIComponent(e.target.value)}`) },
      wfs.map((w) => h('option', { value: w.name, selected: w.name === wf.name }, w.name)),
    );
    const dates = h(
      'ul',
      { class: 'list', id: 'bizdates' },
      insts.map((i) => {
        const states = i.nodes.map((n) => n.state);
        const worst = states.includes('failed')
          ? 'failed'
          : states.includes('running')
            ? 'running'
            : states.includes('waiting')
              ? 'waiting'
              : states.every((x) => x === 'succeeded')
                ? 'succeeded'
                : 'not run';
        return h(
          'li',
          { class: inst && i.bizdate === inst.bizdate ? 'selected' : '', 'data-bizdate': i.bizdate, onclick: () => (location.hash = `#/instances/${encodeURIComponent(wf.name)}/${i.bizdate}`) },
          h('span', { class: `dot ${stateClass(worst)}`, title: worst }),
          i.bizdate,
          h('span', { class: 'muted' }, ` ${i.trigger}`),
        );
      }),
    );
    const main = h('div', { class: 'grow' });
    if (!inst) main.append(h('p', { class: 'muted' }, `No instances of ${wf.name} in ${state.overview.env} yet (ferry workflow run ${wf.name} --bizdate yyyymmdd).`));
    else {
      const states = Object.fromEntries(inst.nodes.map((n) => [n.name, n.state]));
      const open = (n) => openNode(wf.name, inst.bizdate, n);
      main.append(
        h(
          'div',
          { class: 'card' },
          h('h2', {}, `${wf.name} · bizdate ${inst.bizdate}`),
          h('div', { class: 'meta' }, `T ${inst.cyctime} · last ${inst.trigger} · updated ${inst.updatedAt} · env ${state.overview.env}`),
          graph(wf, states, open, node),
          legend(),
        ),
      );
      main.append(
        h(
          'div',
          { class: 'wide' },
          h(
            'table',
            { id: 'nodes' },
            h(
              'tr',
              {},
              h('th', {}, 'node'),
              h('th', {}, 'state'),
              h('th', {}, 'start'),
              h('th', {}, 'end'),
              h('th', { class: 'num' }, 'duration'),
              h('th', { class: 'num' }, 'rows'),
              h('th', { class: 'num' }, 'retries'),
              h('th', {}, 'why'),
            ),
            inst.nodes.map((n) =>
              h(
                'tr',
                { class: `clickable${n.name === node ? ' selected' : ''}`, 'data-node': n.name, onclick: () => open(n.name) },
                h('td', {}, n.name),
                h('td', {}, badge(n.state)),
                h('td', { class: 'time', title: n.start }, clock(n.start)),
                h('td', { class: 'time', title: n.end }, clock(n.end)),
                h('td', { class: 'num' }, n.duration || '-'),
                h('td', { class: 'num', 'data-field': 'rows' }, num(n.rows)),
                h('td', { class: 'num' }, n.retries),
                h('td', { class: 'why', title: n.reason }, n.reason ? n.reason.split('\n')[0] : ''),
              ),
            ),
          ),
        ),
      );
      // The node the address names opens once; later refreshes leave the panel as the user left it.
      if (node && !openedFromHash) openNode(wf.name, inst.bizdate, node);
      openedFromHash = openedFromHash || Boolean(node);
    }
    el.replaceChildren(
      h('h1', {}, 'Instances ', picker, h('span', { class: 'muted' }, ` env ${state.overview.env}`)),
      h('div', { class: 'layout' }, h('div', { class: 'side card' }, h('h3', {}, 'Business dates'), insts.length ? dates : h('p', { class: 'muted' }, 'none yet')), main),
    );
  };
  await render();
  // Runs going on elsewhere show up without a reload.
  state.timers.push(setInterval(() => render().catch(() => {}), 2000));
}

/** The side panel of one node: its log (followed while it runs) and the engine's run summary. */
function openNode(workflow, bizdate, node) {
  const panel = document.getElementById('panel');
  const key = `${workflow}/${bizdate}/${node}`;
  if (panel.dataset.key === key && !panel.hidden) return;
  clearTimeout(state.panelTimer);
  panel.dataset.key = key;
  panel.hidden = false;
  document.body.classList.add('panel-open');
  document.getElementById('panel-title').textContent = `${node} · ${bizdate}`;
  const summary = h('div', { id: 'summary' }, h('p', { class: 'muted' }, 'loading…'));
  const log = h('pre', { class: 'log', id: 'log' });
  const logState = h('span', { class: 'muted' });
  document.getElementById('panel-body').replaceChildren(h('h3', {}, 'Run summary'), summary, h('h3', {}, 'Log ', logState), log);
  const params = { workflow, bizdate, node };
  api(`summary?${q(params)}`)
    .then((r) => summary.replaceChildren(r ? summaryView(r) : h('p', { class: 'muted' }, 'no run summary (virtual and sql nodes have none; a node that has not run yet neither)')))
    .catch((e) => showError(summary, e));
  let offset = 0;
  const poll = async () => {
    if (panel.dataset.key !== key) return;
    try {
      const r = await api(`log?${q({ ...params, offset })}`);
      // The first text replaces '(no log yet)'; a log that starts again before where we were (replaced) is shown afresh.
      if (r.offset < offset || (offset === 0 && r.text)) log.textContent = '';
      if (r.skipped) log.textContent = `[… the first ${num(r.offset)} bytes are left out …]\n`;
      if (r.text) log.append(r.text);
      if (!r.text && offset === 0 && !r.size) log.textContent = '(no log yet)';
      offset = r.size;
      const live = r.state === 'running' || r.state === 'waiting';
      logState.textContent = live ? `(${r.state}, following)` : `(${r.state})`;
      if (live) {
        log.scrollTop = log.scrollHeight;
        state.panelTimer = setTimeout(poll, 1000);
      }
    } catch (e) {
      showError(log, e);
    }
  };
  poll();
}

function summaryView(r) {
  const rows = [
    ['status', badge(r.status)],
    ['start', r.startedAt],
    ['end', r.endedAt],
    ['elapsed', r.elapsed],
    ['records read', num(r.recordsRead)],
    ['records written', num(r.recordsWritten)],
    ['bytes read', r.bytes],
    ['speed', `${r.speed}, ${num(r.recordsPerSec)} records/s`],
    ['dirty records', num(r.dirtyRecords)],
    ['channels / splits', `${r.channels} / ${r.splits}`],
    ...Object.entries(r.counters).map(([k, v]) => [k, num(v)]),
  ];
  if (r.error) rows.push(['error', h('span', { class: 'error' }, r.error)]);
  const out = [
    h(
      'dl',
      { class: 'kv' },
      rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-field': k }, v)]),
    ),
  ];
  if (r.dirty.length) {
    out.push(
      h('h3', {}, `First dirty records (of ${num(r.dirtyRecords)})`),
      h(
        'table',
        { id: 'dirty' },
        h('tr', {}, h('th', {}, 'where'), h('th', {}, 'why'), h('th', {}, 'record')),
        r.dirty.map((d) => h('tr', {}, h('td', {}, d.where), h('td', {}, d.reason), h('td', {}, h('code', {}, d.record)))),
      ),
    );
  }
  return h('div', {}, out);
}

// ---- tables ---------------------------------------------------------------

function projectPicker(current, onPick) {
  const projects = [...new Set([state.overview.project, ...state.overview.projects])];
  return h(
    'select',
    { id: 'project-pick', onchange: (e) => onPick(e.target.value) },
    projects.map((p) => h('option', { value: p, selected: p === current }, p)),
  );
}

function rowsTable(r, id) {
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { id },
      h(
        'tr',
        {},
        r.columns.map((c) => h('th', {}, c)),
      ),
      r.rows.map((row) =>
        h(
          'tr',
          {},
          row.map((v) => (v === null ? h('td', { class: 'null' }, 'NULL') : h('td', {}, v))),
        ),
      ),
    ),
    r.more ? h('p', { class: 'muted' }, 'more rows follow (not shown)') : null,
  );
}

async function showTables(project, table, partition) {
  const el = view();
  project = project || state.overview.project;
  const gen = state.gen;
  const tables = await api(`tables?${q({ project })}`);
  if (gen !== state.gen) return;
  const t = tables.find((x) => x.name === table) || tables[0];
  const list = h(
    'ul',
    { class: 'list', id: 'tables' },
    tables.map((x) =>
      h(
        'li',
        { class: t && x.name === t.name ? 'selected' : '', 'data-table': x.name, onclick: () => (location.hash = `#/tables/${project}/${x.name}`) },
        x.name,
        h('span', { class: 'muted' }, ` ${num(x.rows)} rows`),
      ),
    ),
  );
  const main = h('div', { class: 'grow' });
  el.replaceChildren(
    h(
      'h1',
      {},
      'Tables ',
      projectPicker(project, (p) => (location.hash = `#/tables/${p}`)),
    ),
    h('div', { class: 'layout' }, h('div', { class: 'side card' }, h('h3', {}, `Project ${project}`), tables.length ? list : h('p', { class: 'muted' }, 'no tables')), main),
  );
  if (!t) return;
  main.append(
    h(
      'div',
      { class: 'card', 'data-table': t.name },
      h('h2', {}, `${project}.${t.name}`),
      h('div', { class: 'meta' }, `${num(t.rows)} rows in ${t.partitions} partition(s), ${t.size}`, t.lifecycle ? ` · lifecycle ${t.lifecycle} days` : ' · no lifecycle', ` · created ${t.createdAt}`),
      t.comment ? h('p', {}, t.comment) : null,
      h('h3', {}, 'DDL'),
      h('pre', { id: 'ddl' }, t.ddl),
    ),
  );
  const parts = await api(`partitions?${q({ project, table: t.name })}`);
  if (gen !== state.gen) return;
  const chosen = parts.find((p) => p.spec === partition) || parts[0];
  const preview = h('div', { id: 'preview' });
  main.append(
    h(
      'div',
      { class: 'card' },
      h('h3', {}, 'Partitions'),
      parts.length
        ? h(
            'table',
            { id: 'partitions' },
            h(
              'tr',
              {},
              h('th', {}, 'partition'),
              h('th', { class: 'num' }, 'rows'),
              h('th', { class: 'num' }, 'size'),
              h('th', { class: 'num' }, 'files'),
              h('th', {}, 'last modified'),
              h('th', {}, 'expires (lifecycle)'),
            ),
            parts.map((p) =>
              h(
                'tr',
                {
                  class: `clickable${chosen && p.spec === chosen.spec ? ' selected' : ''}`,
                  'data-partition': p.spec,
                  onclick: () => (location.hash = `#/tables/${project}/${t.name}/${encodeURIComponent(p.spec)}`),
                },
                h('td', {}, p.spec || '(table)'),
                h('td', { class: 'num', 'data-field': 'rows' }, num(p.rows)),
                h('td', { class: 'num' }, p.size),
                h('td', { class: 'num' }, p.files),
                h('td', {}, p.lastModified.replace('T', ' ').slice(0, 19) + ' UTC'),
                h('td', {}, p.expires ? p.expires.replace('T', ' ').slice(0, 19) + ' UTC' : '-'),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'no partitions (no rows yet)'),
      chosen ? [h('h3', {}, `First rows of ${chosen.spec || t.name}`), preview] : null,
    ),
  );
  if (chosen) {
    preview.append(h('p', { class: 'muted' }, 'loading…'));
    api(`preview?${q({ project, table: t.name, partition: chosen.spec, rows: 20 })}`)
      .then((r) => preview.replaceChildren(rowsTable(r, 'preview-rows')))
      .catch((e) => showError(preview, e));
  }
}

// ---- query ----------------------------------------------------------------

function showQuery() {
  const el = view();
  let project = state.overview.project;
  const text = h('textarea', { id: 'sql', spellcheck: 'false', placeholder: "SELECT count(*) FROM my_table WHERE dt = '20240620'" });
  text.value = sessionStorage.getItem('ferry-sql') || '';
  const out = h('div', { id: 'results' });
  const run = h('button', { class: 'primary', id: 'run', type: 'button' }, 'Run');
  const go = async () => {
    sessionStorage.setItem('ferry-sql', text.value);
    run.disabled = true;
    out.replaceChildren(h('p', { class: 'muted' }, 'running…'));
    try {
      const r = await api('query', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: text.value, project }) });
      out.replaceChildren(
        h('p', { class: 'muted' }, `${r.results.length} statement(s), ${(r.elapsedMs / 1000).toFixed(2)} s`),
        ...r.results.map((res, i) => h('div', { class: 'card' }, rowsTable(res, `result-${i}`))),
      );
    } catch (e) {
      showError(out, e);
    } finally {
      run.disabled = false;
    }
  };
  run.addEventListener('click', go);
  text.addEventListener('keydown', (e) => (e.ctrlKey || e.metaKey) && e.key === 'Enter' && go());
  const lim = state.overview.limits;
  el.replaceChildren(
    h('h1', {}, 'Query'),
    h(
      'div',
      { class: 'card' },
      h(
        'div',
        { class: 'toolbar' },
        'project',
        projectPicker(project, (p) => (project = p)),
        run,
        h('span', { class: 'muted' }, `read-only (DuckDB, as ferry sql) · at most ${num(lim.rows)} rows per statement · stopped after ${lim.timeoutMs / 1000} s · Ctrl+Enter runs`),
      ),
      text,
    ),
    out,
  );
}

// ---- bench ----------------------------------------------------------------

async function showBench(id) {
  const el = view();
  const gen = state.gen;
  const list = await api('bench');
  if (gen !== state.gen) return;
  const chosen = list.find((r) => r.id === id) || list[0];
  if (!chosen) {
    el.replaceChildren(
      h('h1', {}, 'Bench reports'),
      h('p', { class: 'muted' }, `No bench reports in ${state.overview.store}/bench yet: ferry bench JOB keeps each report there when the store exists.`),
    );
    return;
  }
  const items = list.map((r) =>
    h(
      'li',
      { class: r.id === chosen.id ? 'selected' : '', 'data-report': r.id, onclick: () => (location.hash = `#/bench/${r.id}`) },
      h('span', {}, r.job.split('/').pop(), h('br'), h('span', { class: 'muted' }, `${r.startedAt.replace('T', ' ').slice(0, 19)} · ${r.target} · ${r.recommended} ch`)),
    ),
  );
  el.replaceChildren(
    h('h1', {}, 'Bench reports'),
    h(
      'div',
      { class: 'layout' },
      h('div', { class: 'side card' }, h('ul', { class: 'list', id: 'reports' }, items)),
      h('div', { class: 'grow' }, h('iframe', { class: 'report', src: `/bench/${encodeURIComponent(chosen.id)}`, title: `bench report ${chosen.id}`, sandbox: '' })),
    ),
  );
}

// ---- routing --------------------------------------------------------------

function closePanel() {
  const panel = document.getElementById('panel');
  panel.hidden = true;
  delete panel.dataset.key;
  document.body.classList.remove('panel-open');
  clearTimeout(state.panelTimer);
}

async function route() {
  stopTimers();
  const gen = ++state.gen;
  const [name, ...rest] = location.hash
    .replace(/^#\/?/, '')
    .split('/')
    .map((p) => decodeURIComponent(p));
  const current = name || 'workflows';
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === current);
  closePanel();
  try {
    if (current === 'instances') await showInstances(rest[0], rest[1], rest[2]);
    else if (current === 'tables') await showTables(rest[0], rest[1], rest[2]);
    else if (current === 'query') showQuery();
    else if (current === 'bench') await showBench(rest[0]);
    else await showWorkflows();
  } catch (err) {
    if (gen === state.gen) showError(view(), err);
  }
  if (gen === state.gen) document.body.dataset.ready = current;
}

async function start() {
  document.getElementById('panel-close').addEventListener('click', closePanel);
  try {
    state.overview = await api('overview');
  } catch (err) {
    showError(view(), err);
    return;
  }
  const o = state.overview;
  document.getElementById('where').textContent = o.workspace ? `${o.workspace.name} · env ${o.env} · ${o.workspace.timezone} · store ${o.store}` : `store ${o.store} · project ${o.project}`;
  window.addEventListener('hashchange', route);
  await route();
}

start();
