/** The review queue and per-report judgements: built once the feedback routes are in the API. */
import type { Report } from '../api/client.js';
import { h } from '../dom.js';
import type { Route } from '../router.js';

export function reviewView(main: HTMLElement, _route: Route, _signal: AbortSignal): void {
  main.appendChild(h('h1', {}, 'Review queue'));
  main.appendChild(h('p', {}, 'This service’s API has no review routes yet.'));
}

export function reviewPanel(_report: Report): HTMLElement | null {
  return null;
}
