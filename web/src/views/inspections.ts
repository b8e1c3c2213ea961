/**
 * Inspections: the reports, newest first (GET /v1/inspections: batch and start date on the server, cursor paging),
 * verdict, profile and end date filtered here over the pages read; what is still running (inspections submitted
 * from this tab, and the local queue's counts from /healthz), with live progress; an overlay thumbnail per report.
 */
import { api, ok, type Report } from '../api/client.js';
import { announce, clear, errorBox, field, fmt, h, progressBar, when, verdictBadge } from '../dom.js';
import { onJob, pendingJobs, reportOf, type TrackedJob } from '../jobs.js';
import { go, href, type Route } from '../router.js';
import { thumbCanvas } from '../thumbs.js';

const PAGE = 50;
/** Pages read at most to fill one screen when a filter applied here hides most reports. */
const MAX_PAGES_PER_FILL = 10;

export async function inspectionsView(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const q = route.query;
  const filters = {
    batch: q.get('batch') ?? '',
    verdict: q.get('verdict') ?? '',
    profile: q.get('profile') ?? '',
    from: q.get('from') ?? '',
    to: q.get('to') ?? '',
  };

  main.appendChild(h('div', { className: 'view-head' }, h('h1', {}, 'Inspections'), h('a', { className: 'button primary', href: href('upload') }, 'Upload images')));

  // Filters: a GET form whose submit rewrites the hash (bookmarkable).
  const batch = h('input', { type: 'search', name: 'batch', value: filters.batch, placeholder: 'e.g. B-7' });
  const verdict = h('select', { name: 'verdict' },
    ['', 'normal', 'suspect', 'anomalous', 'failed'].map((v) => h('option', { value: v }, v === '' ? 'Any' : v)));
  verdict.value = filters.verdict;
  const profile = h('select', { name: 'profile' }, h('option', { value: '' }, 'Any'));
  const from = h('input', { type: 'date', name: 'from', value: filters.from });
  const to = h('input', { type: 'date', name: 'to', value: filters.to });
  const form = h('form', { className: 'filters', role: 'search', 'aria-label': 'Filter inspections' },
    field('Batch', batch), field('Verdict', verdict), field('Profile', profile), field('From', from), field('To', to),
    h('div', { className: 'actions' }, h('button', { type: 'submit', className: 'primary' }, 'Apply'), h('button', { type: 'button', onclick: () => go('#/inspections') }, 'Clear')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const params = new URLSearchParams();
    for (const [k, v] of [['batch', batch.value.trim()], ['verdict', verdict.value], ['profile', profile.value], ['from', from.value], ['to', to.value]] as const) if (v) params.set(k, v);
    go(`#/inspections${params.size ? `?${params}` : ''}`);
  });
  main.appendChild(form);
  void ok(api.GET('/v1/profiles')).then((list) => {
    for (const p of list.items) profile.appendChild(h('option', { value: p.name }, p.name));
    profile.value = filters.profile;
  }).catch(() => undefined);

  // Running now.
  const running = h('section', { className: 'panel running', 'aria-labelledby': 'running-title' });
  main.appendChild(running);
  const queueLine = h('p', { className: 'queue-line', 'aria-live': 'polite' });
  const runningList = h('ul', { className: 'jobs' });
  running.append(h('h2', { id: 'running-title' }, 'Running now'), queueLine, runningList);
  const renderRunning = () => {
    clear(runningList);
    const jobs = pendingJobs();
    for (const job of jobs) runningList.appendChild(jobItem(job));
    if (jobs.length === 0) runningList.appendChild(h('li', { className: 'muted' }, 'Nothing submitted from this page is running.'));
  };
  renderRunning();
  const stopJobs = onJob((job) => {
    renderRunning();
    const report = reportOf(job);
    if (report && matches(report, filters)) {
      addRows([report], true);
      announce(`${report.input.name} finished: ${report.status === 'failed' ? 'failed' : report.scores?.verdict}`);
    }
  });
  signal.addEventListener('abort', stopJobs);
  const pollQueue = async () => {
    if (signal.aborted) return;
    try {
      const health = await ok(api.GET('/healthz'));
      const queue = (health as Record<string, unknown>).queue as Record<string, number> | undefined;
      queueLine.textContent = queue ? `Service queue: ${Object.entries(queue).map(([k, v]) => `${v} ${k}`).join(', ')}.` : '';
    } catch {
      queueLine.textContent = '';
    }
    if (!signal.aborted) window.setTimeout(() => void pollQueue(), 3000);
  };
  void pollQueue();

  // The list.
  const status = h('p', { className: 'muted', role: 'status' }, 'Loading…');
  const tbody = h('tbody');
  const listTable = h('table', { className: 'data inspections' },
    h('caption', { className: 'sr-only' }, 'Reports, newest first'),
    h('thead', {}, h('tr', {}, ['Overlay', 'Image', 'Verdict', 'Score', 'Regions', 'Profile', 'Batch', 'Created'].map((t) => h('th', { scope: 'col' }, t)))),
    tbody);
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  main.append(h('section', { className: 'panel', 'aria-label': 'Reports' }, status, h('div', { className: 'table-scroll' }, listTable), more));

  const shown = new Set<string>();
  function addRows(reports: Report[], prepend = false): void {
    for (const report of reports) {
      if (shown.has(report.id)) continue;
      shown.add(report.id);
      const row = reportRow(report);
      if (prepend) tbody.insertBefore(row, tbody.firstChild);
      else tbody.appendChild(row);
    }
  }

  let cursor: string | null | undefined;
  const since = filters.from ? new Date(`${filters.from}T00:00:00`).toISOString() : undefined;
  async function loadMore(): Promise<void> {
    more.disabled = true;
    status.textContent = 'Loading…';
    let added = 0;
    let pages = 0;
    try {
      do {
        const page = await ok(api.GET('/v1/inspections', {
          params: { query: { limit: PAGE, ...(filters.batch ? { batch: filters.batch } : {}), ...(since ? { since } : {}), ...(cursor ? { cursor } : {}) } },
          signal,
        }));
        cursor = page.next;
        const kept = page.items.filter((r) => matches(r, filters));
        addRows(kept);
        added += kept.length;
        pages += 1;
      } while (cursor && added < PAGE && pages < MAX_PAGES_PER_FILL && !signal.aborted);
      status.textContent = shown.size === 0 ? 'No reports match.' : `${shown.size} report${shown.size === 1 ? '' : 's'}${cursor ? ' (more below)' : ''}.`;
    } catch (error) {
      if (signal.aborted) return;
      clear(status);
      status.appendChild(errorBox(error));
    }
    more.hidden = !cursor;
    more.disabled = false;
  }
  more.addEventListener('click', () => void loadMore());
  await loadMore();
}

function matches(report: Report, filters: { verdict: string; profile: string; to: string; batch: string }): boolean {
  if (filters.verdict) {
    const v = report.status === 'failed' ? 'failed' : report.scores?.verdict;
    if (v !== filters.verdict) return false;
  }
  if (filters.profile && report.profile?.name !== filters.profile) return false;
  if (filters.to && report.createdAt > new Date(`${filters.to}T23:59:59.999`).toISOString()) return false;
  return true;
}

function batchOf(report: Report): string {
  const m = report.metadata ?? {};
  for (const key of ['batchId', 'batch', 'batch_id', 'lot']) {
    const v = m[key];
    if (typeof v === 'string' || typeof v === 'number') return String(v);
  }
  return '';
}

function reportRow(report: Report): HTMLTableRowElement {
  const link = h('a', { href: href('reports', report.id) }, report.input.name);
  const verdict = report.status === 'failed' ? verdictBadge('failed') : verdictBadge(report.scores?.verdict ?? 'normal');
  return h('tr', { 'data-report-id': report.id },
    h('td', {}, thumbCanvas(report.links.overlay, `Overlay of ${report.input.name}`)),
    h('td', {}, link, report.status === 'failed' ? h('div', { className: 'muted small' }, report.failure?.message ?? '') : null),
    h('td', {}, verdict),
    h('td', { className: 'num' }, report.scores ? fmt(report.scores.score) : '—'),
    h('td', { className: 'num' }, String(report.regions.length)),
    h('td', {}, report.profile ? `${report.profile.name} v${report.profile.version}` : '—'),
    h('td', {}, batchOf(report) || '—'),
    h('td', {}, h('time', { datetime: report.createdAt }, when(report.createdAt))));
}

function jobItem(job: TrackedJob): HTMLLIElement {
  const view = job.view;
  const stage = view && 'stage' in view && view.stage ? `${view.stage}` : '';
  const progress = view && 'progress' in view ? view.progress : null;
  const statusText = job.error ? `error: ${job.error}` : view ? `${view.status}${stage ? ` · ${stage}` : ''}` : 'submitted';
  return h('li', { 'data-job-id': job.id },
    h('a', { href: href('reports', job.id) }, job.name), ' ',
    h('span', { className: 'muted' }, statusText), ' ',
    progressBar(`Progress of ${job.name}`, progress ?? null));
}
