/**
 * Expert review. The queue (GET /v1/review-queue: unreviewed reports, most uncertain first) is driven from the
 * keyboard: ↑/↓ (or k/j) move, c confirms the verdict, r rejects it, l relabels (type the label, Enter), o opens the
 * report. Each judgement is POST /v1/inspections/{id}/feedback; the item leaves the queue. "Apply" recalibrates the
 * profile from the judgements (POST /v1/profiles/{name}/recalibrations, a job followed to its result).
 * The report view has the same judgements for the report and each of its regions (reviewPanel).
 */
import { api, ok, type Feedback, type FeedbackRequest, type ProfileJob, type Report, type ReviewItem } from '../api/client.js';
import { announce, clear, errorBox, errorText, field, fmt, h, nextId, progressBar, section, verdictBadge, when } from '../dom.js';
import { go, href, type Route } from '../router.js';
import { thumbCanvas } from '../thumbs.js';

const REVIEWER_KEY = 'mmdo.reviewer';
const reviewer = (): string => sessionStorage.getItem(REVIEWER_KEY) ?? '';

function reviewerField(): HTMLElement {
  const input = h('input', { type: 'text', value: reviewer(), autocomplete: 'name', maxlength: '200', placeholder: 'default: the API key' });
  input.addEventListener('change', () => sessionStorage.setItem(REVIEWER_KEY, input.value.trim()));
  return field('Reviewer', input);
}

async function judge(reportId: string, body: FeedbackRequest): Promise<Feedback> {
  const name = reviewer();
  const result = await ok(api.POST('/v1/inspections/{id}/feedback', {
    params: { path: { id: reportId } },
    body: { ...body, ...(name ? { reviewer: name } : {}) },
  }));
  return result.feedback;
}

export async function reviewView(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const profileFilter = route.query.get('profile') ?? '';
  main.appendChild(h('div', { className: 'view-head' }, h('h1', {}, 'Review queue')));
  const profiles = await ok(api.GET('/v1/profiles', { signal })).catch(() => ({ items: [], defaultProfile: null }));
  const profileSelect = h('select', {}, h('option', { value: '' }, 'All profiles'), profiles.items.map((p) => h('option', { value: p.name }, p.name)));
  profileSelect.value = profileFilter;
  profileSelect.addEventListener('change', () => go(`#/review${profileSelect.value ? `?profile=${encodeURIComponent(profileSelect.value)}` : ''}`));

  const help = h('p', { className: 'kbd-help muted small', id: 'review-keys' },
    h('kbd', {}, '↑'), ' ', h('kbd', {}, '↓'), ' move · ', h('kbd', {}, 'c'), ' confirm the verdict · ', h('kbd', {}, 'r'), ' reject it · ',
    h('kbd', {}, 'l'), ' relabel · ', h('kbd', {}, 'o'), ' open the report');
  const summary = h('p', { role: 'status', className: 'muted' });
  const list = h('ul', { className: 'queue-list', role: 'listbox', tabindex: '0', 'aria-label': 'Reports to review, most uncertain first', 'aria-describedby': 'review-keys' });
  const detail = h('div', { className: 'review-detail' });
  const labelInput = h('input', { type: 'text', id: 'relabel', list: 'label-options', maxlength: '64', placeholder: 'normal, anomalous, crack…' });
  const labelOptions = h('datalist', { id: 'label-options' }, ['normal', 'anomalous', 'crack', 'void', 'agglomerate', 'inclusion'].map((l) => h('option', { value: l })));
  const note = h('input', { type: 'text', id: 'review-note', maxlength: '2000' });
  const feedbackLine = h('p', { role: 'status', 'aria-live': 'polite', className: 'small' });

  let items: ReviewItem[] = [];
  let index = 0;
  const done = new Set<string>();

  const select = (i: number) => {
    if (items.length === 0) return;
    index = Math.max(0, Math.min(items.length - 1, i));
    for (const [k, li] of [...list.children].entries()) li.setAttribute('aria-selected', String(k === index));
    const li = list.children[index] as HTMLElement | undefined;
    if (li) {
      list.setAttribute('aria-activedescendant', li.id);
      li.scrollIntoView({ block: 'nearest' });
    }
    renderDetail();
  };

  const renderDetail = () => {
    clear(detail);
    const item = items[index];
    if (!item) return;
    detail.append(
      h('h2', {}, item.name),
      h('p', {}, verdictBadge(item.verdict), ` score ${fmt(item.score)} · uncertainty ${fmt(item.uncertainty)} · ${fmt(item.margin, 3)} from the ${item.nearestThreshold} threshold`),
      h('p', { className: 'muted small' }, `${item.profile.name} v${item.profile.version} · ${item.regions} region${item.regions === 1 ? '' : 's'} · ${when(item.createdAt)}`),
      h('ul', { className: 'small' }, item.components.map((c) => h('li', {}, `${c.name}: calibrated ${fmt(c.calibrated)}, weight ${fmt(c.weight)}`))),
      h('p', {}, h('a', { href: href('reports', item.reportId) }, 'Open the report')),
    );
  };

  const act = async (action: FeedbackRequest['action']) => {
    const item = items[index];
    if (!item || done.has(item.reportId)) return;
    const label = labelInput.value.trim();
    if (action === 'relabel' && !label) {
      labelInput.focus();
      feedbackLine.textContent = 'Type a label (normal, anomalous or a defect class), then press Enter.';
      return;
    }
    try {
      const f = await judge(item.reportId, { action, ...(action === 'relabel' ? { label } : {}), ...(note.value.trim() ? { note: note.value.trim() } : {}) });
      done.add(item.reportId);
      const li = list.children[index] as HTMLElement;
      li.classList.add('done');
      li.dataset.judged = f.label;
      li.querySelector('.judged')!.textContent = `${action}ed → ${f.label}`;
      feedbackLine.textContent = `${item.name}: ${action} → label ${f.label}.`;
      announce(`${item.name} ${action}ed, label ${f.label}`);
      note.value = '';
      if (action === 'relabel') labelInput.value = '';
      const next = items.findIndex((x, k) => k > index && !done.has(x.reportId));
      if (next >= 0) select(next);
      list.focus();
      summary.textContent = `${items.length - done.size} of ${items.length} shown left to review.`;
    } catch (error) {
      feedbackLine.textContent = `Not recorded: ${errorText(error)}`;
    }
  };

  list.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const keys: Record<string, () => void> = {
      ArrowDown: () => select(index + 1), j: () => select(index + 1),
      ArrowUp: () => select(index - 1), k: () => select(index - 1),
      Home: () => select(0), End: () => select(items.length - 1),
      c: () => void act('confirm'), r: () => void act('reject'),
      l: () => labelInput.focus(),
      o: () => items[index] && go(href('reports', items[index]!.reportId)),
      Enter: () => items[index] && go(href('reports', items[index]!.reportId)),
    };
    const handler = keys[e.key];
    if (handler) {
      e.preventDefault();
      handler();
    }
  });
  labelInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void act('relabel');
    } else if (e.key === 'Escape') list.focus();
  });

  const load = async () => {
    const queue = await ok(api.GET('/v1/review-queue', { params: { query: { limit: 50, ...(profileFilter ? { profile: profileFilter } : {}) } }, signal }));
    items = queue.items;
    clear(list);
    items.forEach((item, k) => {
      list.appendChild(h('li', { role: 'option', id: `review-${k}`, 'aria-selected': 'false', 'data-report-id': item.reportId, onclick: () => { select(k); list.focus(); } },
        thumbCanvas(item.links.overlay ?? `${item.links.self ?? `/v1/inspections/${encodeURIComponent(item.reportId)}`}/overlay.png`, `Overlay of ${item.name}`),
        h('div', {}, h('strong', {}, item.name), h('div', { className: 'small muted' }, `${item.profile.name} v${item.profile.version} · score ${fmt(item.score)} · `, h('span', { className: 'uncertainty' }, `uncertainty ${fmt(item.uncertainty)}`))),
        h('div', {}, verdictBadge(item.verdict), h('div', { className: 'judged small' }))));
    });
    summary.textContent = items.length ? `${queue.unreviewed} unreviewed (of ${queue.scanned} read); the ${items.length} most uncertain shown.` : 'Nothing to review.';
    if (items.length) select(0);
  };

  const buttons = h('div', { className: 'actions' },
    h('button', { type: 'button', onclick: () => void act('confirm') }, 'Confirm (c)'),
    h('button', { type: 'button', onclick: () => void act('reject') }, 'Reject (r)'),
    h('button', { type: 'button', onclick: () => void act('relabel') }, 'Relabel (l)'));

  main.append(
    h('div', { className: 'filters' }, field('Profile', profileSelect), reviewerField()),
    h('div', { className: 'review-layout' },
      h('section', { className: 'panel', 'aria-label': 'Queue' }, summary, help, list),
      h('div', {},
        h('section', { className: 'panel', 'aria-label': 'Selected report' }, detail, field('Label for relabel', labelInput), labelOptions, field('Note (optional)', note), buttons, feedbackLine),
        profileFilter ? applySection(profileFilter) : section('Apply the feedback', h('p', { className: 'muted' }, 'Choose a profile to recalibrate it from its judgements.')))),
  );
  await load();
  if (items.length) list.focus();
}

/** POST /v1/profiles/{name}/recalibrations and follow the job to its result. */
function applySection(profile: string): HTMLElement {
  const dry = h('input', { type: 'checkbox', id: nextId('dry'), checked: true });
  const enrol = h('input', { type: 'checkbox', id: nextId('enrol'), checked: true });
  const out = h('div', { 'aria-live': 'polite' });
  const button = h('button', { type: 'button', className: 'primary' }, `Recalibrate ${profile}`);
  button.addEventListener('click', async () => {
    button.disabled = true;
    clear(out);
    try {
      let job: ProfileJob = await ok(api.POST('/v1/profiles/{name}/recalibrations', { params: { path: { name: profile } }, body: { dryRun: dry.checked, enrolNormals: enrol.checked, ...(reviewer() ? { reviewer: reviewer() } : {}) } }));
      const bar = progressBar('Recalibration progress', job.progress);
      out.append(bar);
      while (job.status === 'queued' || job.status === 'running') {
        await new Promise((r) => setTimeout(r, 700));
        job = await ok(api.GET('/v1/profiles/{name}/recalibrations/{id}', { params: { path: { name: profile, id: job.id } } }));
        if (job.progress !== null) bar.value = job.progress;
      }
      clear(out);
      out.append(jobResult(job));
    } catch (error) {
      out.append(errorBox(error));
    }
    button.disabled = false;
  });
  return section('Apply the feedback',
    h('p', { className: 'muted small' }, 'Enrols the reports confirmed normal, then learns the fusion weights and the operating point from the labelled set (new profile versions; a dry run saves nothing).'),
    h('div', { className: 'field check' }, enrol, h('label', { for: enrol.id }, 'Enrol the reports confirmed normal first')),
    h('div', { className: 'field check' }, dry, h('label', { for: dry.id }, 'Dry run')), button, out);
}

/** A profile job's outcome: the versions it made and its result, or why it failed. */
export function jobResult(job: ProfileJob): HTMLElement {
  if (job.status === 'failed') return h('p', { className: 'error', role: 'alert' }, `Failed: ${job.failure?.message ?? 'unknown reason'} (${job.failure?.code ?? ''})`);
  const versions = job.versions.map((v) => `v${v.version} (${v.source})`).join(', ');
  const result = job.result ?? {};
  return h('div', {},
    h('p', {}, job.status === 'completed' ? `Done${versions ? `: ${versions}` : ' (no new version)'}.` : job.status),
    h('details', { open: true }, h('summary', {}, 'Result'), h('dl', { className: 'facts' }, Object.entries(result).flatMap(([k, v]) => [h('dt', {}, k), h('dd', { className: 'small' }, typeof v === 'object' ? JSON.stringify(v) : String(v))]))));
}

/** In the report view: judge the report or one of its regions; the judgements so far. */
export function reviewPanel(report: Report): HTMLElement | null {
  if (report.status !== 'completed') return null;
  const existing = h('ul', { className: 'small' });
  const status = h('p', { role: 'status', className: 'small' });
  const target = h('select', {}, h('option', { value: '' }, 'The whole report'), report.regions.map((r) => h('option', { value: String(r.id) }, `Region #${r.id}`)));
  const label = h('input', { type: 'text', list: 'label-options-report', maxlength: '64', placeholder: 'for relabel' });
  const options = h('datalist', { id: 'label-options-report' }, ['normal', 'anomalous', 'crack', 'void', 'agglomerate', 'inclusion'].map((l) => h('option', { value: l })));
  const refresh = async () => {
    try {
      const list = await ok(api.GET('/v1/inspections/{id}/feedback', { params: { path: { id: report.id } } }));
      clear(existing);
      for (const f of list.items) existing.appendChild(h('li', {}, `${f.target.kind === 'region' ? `Region #${(f.target as { regionId: number }).regionId}` : 'Report'}: ${f.action} → ${f.label} by ${f.reviewer}, ${when(f.at)}`));
      if (list.items.length === 0) existing.appendChild(h('li', { className: 'muted' }, 'Not reviewed yet.'));
    } catch (error) {
      existing.replaceChildren(h('li', {}, errorText(error)));
    }
  };
  const act = async (action: FeedbackRequest['action']) => {
    if (action === 'relabel' && !label.value.trim()) {
      status.textContent = 'Type a label first.';
      label.focus();
      return;
    }
    try {
      const f = await judge(report.id, { action, ...(target.value !== '' ? { regionId: Number(target.value) } : {}), ...(action === 'relabel' ? { label: label.value.trim() } : {}) });
      status.textContent = `Recorded: ${f.action} → ${f.label}.`;
      announce(status.textContent);
      await refresh();
    } catch (error) {
      status.textContent = `Not recorded: ${errorText(error)}`;
    }
  };
  void refresh();
  return section('Review',
    h('p', { className: 'muted small' }, 'Confirm: the verdict is right (a region: a real defect). Reject: it is wrong (a region: a false alarm).'),
    h('div', { className: 'grid2' }, field('Judge', target), field('Label', label)), options, reviewerField(),
    h('div', { className: 'actions' },
      h('button', { type: 'button', onclick: () => void act('confirm') }, 'Confirm'),
      h('button', { type: 'button', onclick: () => void act('reject') }, 'Reject'),
      h('button', { type: 'button', onclick: () => void act('relabel') }, 'Relabel')),
    status, existing);
}
