// ferry ui: DOM and API helpers. Every value goes in as text (never as HTML).
export const SVG = 'http://www.w3.org/2000/svg';

/** An HTML element; `on...` attributes are listeners, children are nodes or text. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== undefined && c !== null) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** GET (or `init`) /api/<path> as JSON; an error answer throws its message. */
export async function api(path, init) {
  const res = await fetch(`/api/${path}`, init);
  const body = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
  if (!res.ok) throw new Error(body.error || `${res.status} ${res.statusText}`);
  return body;
}

export const q = (o) => new URLSearchParams(o).toString();
export const num = (n) => (n === undefined || n === null ? '-' : Number(n).toLocaleString('en-US'));
export const stateClass = (st) => `st-${String(st).replace(/ /g, '-')}`;
/** `2024-06-21 00:15:03+08:00` -> `06-21 00:15:03` (the full time is the cell's title). */
export const clock = (t) => (t ? t.slice(5, 19) : '-');
export const badge = (st) => h('span', { class: `badge ${stateClass(st)}`, 'data-state': st }, st);

export function showError(where, err) {
  where.replaceChildren(h('p', { class: 'error' }, err.message || String(err)));
}
