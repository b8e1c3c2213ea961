/** The MM-DO web page: one module, no framework. Views render into <main> on hash changes. */
import { auth, serviceCapabilities, unauthorized } from './api/client.js';
import { announce, clear, h } from './dom.js';
import { parseHash, type Route } from './router.js';
import { inspectionsView } from './views/inspections.js';
import { reportView } from './views/report.js';
import { uploadView } from './views/upload.js';
import { profilesView, profileView } from './views/profiles.js';
import { reviewView } from './views/review.js';
import { webhooksView } from './views/webhooks.js';
import { usageView } from './views/usage.js';

export type View = (main: HTMLElement, route: Route, signal: AbortSignal) => void | Promise<void>;

const VIEWS: Record<string, { title: string; render: View; nav?: string }> = {
  inspections: { title: 'Inspections', render: inspectionsView, nav: 'inspections' },
  report: { title: 'Report', render: reportView, nav: 'inspections' },
  upload: { title: 'Upload', render: uploadView, nav: 'upload' },
  profiles: { title: 'Profiles', render: profilesView, nav: 'profiles' },
  profile: { title: 'Profile', render: profileView, nav: 'profiles' },
  review: { title: 'Review queue', render: reviewView, nav: 'review' },
  webhooks: { title: 'Webhooks', render: webhooksView, nav: 'webhooks' },
  usage: { title: 'Usage', render: usageView, nav: 'usage' },
};

const NAV: [string, string][] = [
  ['inspections', 'Inspections'],
  ['upload', 'Upload'],
  ['review', 'Review'],
  ['profiles', 'Profiles'],
  ['webhooks', 'Webhooks'],
  ['usage', 'Usage'],
];

let current: AbortController | undefined;

async function render(): Promise<void> {
  const route = parseHash(location.hash);
  if (!route) return; // an in-page anchor
  const main = document.getElementById('main')!;
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const view = VIEWS[route.view] ?? VIEWS.inspections!;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav a')) {
    if (a.dataset.view === view.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${view.title} · MM-DO`;
  clear(main);
  main.dataset.view = route.view;
  try {
    await view.render(main, route, controller.signal);
  } catch (error) {
    if (controller.signal.aborted) return;
    main.appendChild(h('p', { className: 'error', role: 'alert' }, (error as Error).message));
  }
  if (!controller.signal.aborted) {
    main.querySelector('h1')?.setAttribute('tabindex', '-1');
    // Move focus to the new view's heading (screen readers announce it), unless a view placed it already.
    if (!main.contains(document.activeElement)) (main.querySelector('h1') as HTMLElement | null)?.focus({ preventScroll: true });
  }
}

function buildNav(): void {
  const nav = document.getElementById('nav')!;
  clear(nav);
  for (const [view, label] of NAV) nav.appendChild(h('li', {}, h('a', { href: `#/${view}`, 'data-view': view }, label)));
  const skip = document.querySelector<HTMLAnchorElement>('a.skip');
  skip?.addEventListener('click', (e) => {
    e.preventDefault();
    document.getElementById('main')?.focus();
  });
}

/** The API key control: shown always (a key can be set before the first 401), asks when the service refuses. */
function buildAuth(): void {
  const box = document.getElementById('auth')!;
  const dialog = h('dialog', { className: 'key-dialog', 'aria-labelledby': 'key-title' });
  const input = h('input', { type: 'password', id: 'api-key', autocomplete: 'off', spellcheck: 'false', required: true });
  const remember = h('input', { type: 'checkbox', id: 'api-key-remember' });
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', { id: 'key-title' }, 'API key'),
    h('p', {}, 'This service needs an API key (mmdo_…). It stays in this page’s memory; tick the box to keep it in this tab until you close it.'),
    h('div', { className: 'field' }, h('label', { for: 'api-key' }, 'Key'), input),
    h('div', { className: 'field check' }, remember, h('label', { for: 'api-key-remember' }, 'Keep for this tab (session storage)')),
    h('div', { className: 'actions' },
      h('button', { type: 'submit', className: 'primary', value: 'save' }, 'Use key'),
      h('button', { type: 'button', onclick: () => dialog.close('cancel') }, 'Cancel')),
  );
  dialog.appendChild(form);
  dialog.addEventListener('close', () => {
    if (dialog.returnValue === 'save' && input.value.trim()) {
      auth.set(input.value, remember.checked);
      input.value = '';
      announce('API key set');
      void render();
    }
  });
  const status = h('span', { className: 'key-status' });
  const setButton = h('button', { type: 'button', onclick: () => dialog.showModal() }, 'API key…');
  const forget = h('button', { type: 'button', onclick: () => { auth.clear(); announce('API key forgotten'); } }, 'Forget key');
  const refresh = () => {
    status.textContent = auth.key() ? 'Key set' : '';
    forget.hidden = !auth.key();
  };
  auth.onChange(refresh);
  refresh();
  box.append(status, setButton, forget, dialog);
  let asked = false;
  unauthorized.add(() => {
    if (asked || dialog.open) return;
    asked = true;
    dialog.showModal();
    dialog.addEventListener('close', () => (asked = false), { once: true });
  });
}

async function showRuntime(): Promise<void> {
  const caps = await serviceCapabilities();
  const brand = document.querySelector('.brand');
  if (brand && caps.runtime !== 'unknown') brand.setAttribute('title', `${caps.runtime} service`);
}

buildNav();
buildAuth();
window.addEventListener('hashchange', () => void render());
void render();
void showRuntime();
