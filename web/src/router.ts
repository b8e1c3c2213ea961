/** Hash routes (`#/reports/<id>`), so the same static files work behind any host (S3 needs no rewrite rules). */
export interface Route {
  readonly view: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

export function parseHash(hash: string): Route | undefined {
  const raw = hash.replace(/^#/, '');
  if (raw !== '' && !raw.startsWith('/')) return undefined; // an in-page anchor, not a route
  const [path = '/', search = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(search);
  const [first, second] = parts;
  if (!first) return { view: 'inspections', params: {}, query };
  if (first === 'reports' && second) return { view: 'report', params: { id: second }, query };
  if (first === 'profiles' && second) return { view: 'profile', params: { name: second }, query };
  return { view: first, params: {}, query };
}

export function href(view: string, ...parts: string[]): string {
  return `#/${[view, ...parts.map(encodeURIComponent)].join('/')}`;
}

export function go(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}
