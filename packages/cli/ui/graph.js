// ferry ui: a workflow as an SVG graph.
import { h, s } from './dom.js';

/** The workflow as an SVG graph: columns by depth, lineage edges dashed; `states` colours the nodes. */
export function graph(wf, states, onNode, selected) {
  const level = {};
  const depth = (n) => {
    if (level[n.name] !== undefined) return level[n.name];
    level[n.name] = 0;
    const parents = n.depends.map((p) => wf.nodes.find((x) => x.name === p)).filter(Boolean);
    level[n.name] = parents.length ? 1 + Math.max(...parents.map(depth)) : 0;
    return level[n.name];
  };
  wf.nodes.forEach(depth);
  const cols = [];
  for (const n of wf.nodes) {
    cols[level[n.name]] = cols[level[n.name]] || [];
    cols[level[n.name]].push(n.name);
  }
  const W = 170,
    H = 44,
    GX = 56,
    GY = 18,
    PAD = 12;
  // An edge that skips a column bends above the nodes it passes: room for it at the top.
  const long = wf.nodes.some((n) => n.depends.some((p) => level[n.name] - level[p] > 1));
  const TOP = long ? PAD + 34 : PAD;
  const pos = {};
  cols.forEach((names, c) => {
    names.forEach((name, r) => {
      pos[name] = { x: PAD + c * (W + GX), y: TOP + r * (H + GY) };
    });
  });
  const width = PAD * 2 + cols.length * W + (cols.length - 1) * GX;
  const height = TOP + PAD + Math.max(...cols.map((c) => c.length)) * (H + GY) - GY;
  const svg = s('svg', { class: 'graph', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `workflow ${wf.name}` });
  svg.append(
    s(
      'defs',
      {},
      s(
        'marker',
        { id: `arrow-${wf.name}`, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }),
      ),
      s(
        'marker',
        { id: `arrow-l-${wf.name}`, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow lineage' }),
      ),
    ),
  );
  for (const n of wf.nodes) {
    for (const p of n.depends) {
      if (!pos[p]) continue;
      const a = pos[p],
        b = pos[n.name];
      const x1 = a.x + W,
        y1 = a.y + H / 2,
        x2 = b.x,
        y2 = b.y + H / 2,
        mx = (x1 + x2) / 2;
      const lineage = n.lineage.includes(p);
      const top = Math.min(a.y, b.y) - 26;
      const d =
        level[n.name] - level[p] > 1
          ? `M${x1},${y1} C${x1 + 40},${y1} ${x1 + 10},${top} ${x1 + 60},${top} L${x2 - 60},${top} C${x2 - 10},${top} ${x2 - 40},${y2} ${x2},${y2}`
          : `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
      svg.append(
        s(
          'path',
          { class: `edge${lineage ? ' lineage' : ''}`, 'data-from': p, 'data-to': n.name, d, 'marker-end': `url(#${lineage ? 'arrow-l-' : 'arrow-'}${wf.name})` },
          s('title', {}, lineage ? `${n.name} reads a table ${p} writes (table lineage)` : `${n.name} runs after ${p}`),
        ),
      );
    }
  }
  for (const n of wf.nodes) {
    const st = states ? states[n.name] || 'not run' : undefined;
    const { x, y } = pos[n.name];
    const g = s(
      'g',
      { class: `node${st ? ` state-${st.replace(/ /g, '-')}` : ''}${selected === n.name ? ' selected' : ''}`, 'data-node': n.name, 'data-state': st, transform: `translate(${x},${y})`, tabindex: 0 },
      s(
        'title',
        {},
        [
          `${n.name} (${n.type})`,
          st ? `state: ${st}` : '',
          n.sources.length ? `from ${n.sources.join(', ')}` : '',
          n.reads.length ? `reads ${n.reads.join(', ')}` : '',
          n.writes.length ? `writes ${n.writes.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('\n'),
      ),
      s('rect', { width: W, height: H }),
      s('text', { x: 10, y: 19 }, n.name.length > 21 ? `${n.name.slice(0, 20)}…` : n.name),
      s('text', { x: 10, y: 35, class: 'type' }, [n.type, st].filter(Boolean).join(' · ')),
    );
    if (onNode) {
      g.addEventListener('click', () => onNode(n.name));
      g.addEventListener('keydown', (e) => e.key === 'Enter' && onNode(n.name));
    }
    svg.append(g);
  }
  return svg;
}

export const legend = () =>
  h('div', { class: 'legend' }, h('span', {}, h('span', { class: 'line' }), 'depends'), h('span', {}, h('span', { class: 'line lineage' }), 'table lineage (a node reads a table another writes)'));
