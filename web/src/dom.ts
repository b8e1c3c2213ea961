/** Small DOM helpers: elements are built with properties and children, never from HTML strings (no injection). */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** `h('button', { type: 'button', onclick: fn, 'aria-label': 'Close' }, 'x')`. Text is always text. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'className') el.className = String(value);
    else if (name === 'text') el.textContent = String(value);
    else if (name in el && typeof value !== 'string' && name !== 'for') (el as unknown as Record<string, unknown>)[name] = value;
    else el.setAttribute(name === 'htmlFor' ? 'for' : name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

let uid = 0;
/** A unique id for label/aria wiring. */
export function nextId(prefix = 'id'): string {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A labelled form field: the label is a real <label for>. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (!control.id) control.id = nextId('f');
  const hintEl = hint ? h('span', { className: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { className: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

/** A section with a heading that names it for assistive technology. */
export function section(title: string, ...children: (Child | Child[])[]): HTMLElement {
  const id = nextId('s');
  return h('section', { className: 'panel', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

/** A table with a caption (visually hidden when `hideCaption`), header cells with scope. */
export function table(caption: string, headers: string[], rows: (Child | Child[])[][], options: { hideCaption?: boolean; className?: string } = {}): HTMLTableElement {
  return h(
    'table',
    { className: options.className ?? 'data' },
    h('caption', { className: options.hideCaption ? 'sr-only' : '' }, caption),
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, ...(Array.isArray(c) ? c : [c])))))),
  );
}

const announcer = () => document.getElementById('announcer');

/** Says something to screen readers (polite live region). */
export function announce(message: string): void {
  const el = announcer();
  if (!el) return;
  el.textContent = '';
  window.setTimeout(() => (el.textContent = message), 30);
}

export function fmt(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toFixed(digits);
}

export function pct(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(digits)} %`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function when(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export type Verdict = 'normal' | 'suspect' | 'anomalous';

export function verdictBadge(verdict: Verdict | 'failed' | string): HTMLElement {
  return h('span', { className: `badge verdict-${verdict}` }, verdict);
}

/** A determinate progress bar with an accessible name. */
export function progressBar(label: string, value: number | null): HTMLProgressElement {
  const bar = h('progress', { max: 1, 'aria-label': label });
  if (value !== null) bar.value = Math.max(0, Math.min(1, value));
  return bar;
}

export function errorBox(error: unknown): HTMLElement {
  return h('p', { className: 'error', role: 'alert' }, errorText(error));
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
