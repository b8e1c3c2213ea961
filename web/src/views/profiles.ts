/**
 * Profiles: each with its versions (created, images in the bank, backbone, the active one), activate a version,
 * the enrolled images of a version, its calibration and evaluation figures, the labelled set, enrol new normals,
 * delete a profile.
 */
import { api, imageContentType, ok, postPresigned, type Profile, type ProfileJob } from '../api/client.js';
import { announce, bytes, clear, errorBox, errorText, field, fmt, h, progressBar, section, table, verdictBadge, when } from '../dom.js';
import { go, href, type Route } from '../router.js';
import { calibrationSection } from './calibration.js';
import { enrolledImagesSection } from './enrolled-images.js';
import { jobResult } from './review.js';

export async function profilesView(main: HTMLElement, _route: Route, signal: AbortSignal): Promise<void> {
  main.appendChild(h('div', { className: 'view-head' }, h('h1', {}, 'Profiles')));
  const list = await ok(api.GET('/v1/profiles', { signal }));
  const create = createProfileSection();
  if (list.items.length === 0) {
    main.append(h('p', {}, 'No profile yet.'), create);
    return;
  }
  main.appendChild(section('All profiles', table('Profiles', ['Profile', 'Active version', 'Latest', 'Versions', 'Images in bank (active)', 'Backbone (active)'],
    list.items.map((p) => {
      const active = p.versions.find((v) => v.version === p.activeVersion);
      return [
        h('span', {}, h('a', { href: href('profiles', p.name) }, p.name), p.name === list.defaultProfile ? h('span', { className: 'badge' }, 'default') : null),
        `v${p.activeVersion}`, `v${p.latestVersion}`, String(p.versions.length), String(active?.bankImages ?? '—'), active?.backboneId ?? '—',
      ];
    }), { hideCaption: true })));
  main.appendChild(create);
}

/** POST /v1/profiles: a new profile from normal images (declared, uploaded to their presigned forms, started). */
function createProfileSection(): HTMLElement {
  const name = h('input', { type: 'text', required: true, pattern: '[A-Za-z0-9_][A-Za-z0-9._-]{0,127}', placeholder: 'cathode-sem' });
  const form = enrolmentForm('Create profile', async (images, options) => {
    const profile = name.value.trim();
    const job = await ok(api.POST('/v1/profiles', { body: { name: profile, images, ...options } }));
    return { job, profile };
  });
  form.prepend(field('Name', name, 'Letters, digits, ".", "_" and "-".'));
  return section('New profile', h('p', { className: 'muted small' }, 'From normal images only: most go into the memory bank, a held-out share calibrates the scores.'), form);
}

type EnrolmentOptions = { pixelSizeUm?: number; calibrationFraction?: number };
type ImageDeclaration = { name: string; contentType: 'image/png' | 'image/jpeg' | 'image/tiff'; bytes: number };

/**
 * Choose normal images and options; `start` declares them (POST …) and returns the job with an upload form per image;
 * each file is posted to its form with progress, then the job is started and followed to its result.
 */
function enrolmentForm(submitLabel: string, start: (images: ImageDeclaration[], options: EnrolmentOptions) => Promise<{ job: ProfileJob; profile: string }>, onDone?: () => void): HTMLFormElement {
  const files = h('input', { type: 'file', multiple: true, required: true, accept: 'image/png,image/jpeg,image/tiff,.png,.jpg,.jpeg,.tif,.tiff' });
  const pixel = h('input', { type: 'number', step: 'any', min: '0.0001', max: '1000', inputmode: 'decimal' });
  const calibration = h('input', { type: 'number', step: 'any', min: '0.01', max: '0.99', placeholder: '0.2' });
  const progress = h('ul', { className: 'uploads' });
  const out = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', className: 'primary' }, submitLabel);
  const form = h('form', {}, field('Normal images', files), h('div', { className: 'grid2' }, field('Pixel size (µm/px)', pixel), field('Calibration share', calibration, 'Share held out to calibrate (default 0.2).')),
    h('div', { className: 'actions' }, submit), progress, out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const chosen = [...(files.files ?? [])];
    if (chosen.length === 0) return;
    submit.disabled = true;
    clear(progress);
    clear(out);
    try {
      const images = chosen.map((f) => ({ name: f.name, contentType: imageContentType(f), bytes: f.size }));
      const options: EnrolmentOptions = { ...(pixel.value ? { pixelSizeUm: Number(pixel.value) } : {}), ...(calibration.value ? { calibrationFraction: Number(calibration.value) } : {}) };
      let { job, profile } = await start(images, options);
      await Promise.all((job.uploads ?? []).map(async (u) => {
        const file = chosen[u.index] ?? chosen.find((f) => f.name === u.name)!;
        const bar = progressBar(`Upload of ${u.name}`, 0);
        progress.appendChild(h('li', { className: 'upload-item' }, h('span', { className: 'name' }, u.name), h('span', { className: 'muted small' }, bytes(file.size)), bar));
        await postPresigned(u.upload, file, (f) => (bar.value = f));
      }));
      job = await ok(api.POST('/v1/profiles/{name}/enrolments/{id}/start', { params: { path: { name: profile, id: job.id } } }));
      const bar = progressBar('Enrolment progress', job.progress);
      const stage = h('span', { className: 'small muted' });
      out.append(h('p', {}, 'Enrolling… ', stage), bar);
      while (job.status === 'queued' || job.status === 'running') {
        await new Promise((r) => setTimeout(r, 700));
        job = await ok(api.GET('/v1/profiles/{name}/enrolments/{id}', { params: { path: { name: profile, id: job.id } } }));
        stage.textContent = job.stage ?? job.status;
        if (job.progress !== null) bar.value = job.progress;
      }
      clear(out);
      out.append(jobResult(job), h('p', {}, h('a', { href: href('profiles', profile) }, `Open profile ${profile}`)));
      announce(job.status === 'completed' ? `Enrolment of ${profile} done` : `Enrolment of ${profile} failed`);
      form.dataset.status = job.status;
      onDone?.();
    } catch (error) {
      out.append(errorBox(error));
    }
    submit.disabled = false;
  });
  return form;
}

export async function profileView(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const name = route.params.name!;
  main.appendChild(h('div', { className: 'view-head' }, h('h1', {}, `Profile ${name}`), h('a', { href: href('profiles') }, '← All profiles')));
  const body = h('div');
  main.appendChild(body);
  const versionsBox = h('div');
  const imagesBox = h('div');
  const calibrationBox = h('div');
  // A new version (enrolment, activation) shows in the versions and, as the active one, in the enrolled images and
  // the calibration figures.
  const refreshVersions = async () => {
    const profile: Profile = await ok(api.GET('/v1/profiles/{name}', { params: { path: { name } }, signal }));
    versionsBox.replaceChildren(versionsSection(profile, refreshVersions));
    imagesBox.replaceChildren(enrolledImagesSection(profile));
    calibrationBox.replaceChildren(calibrationSection(profile));
    return profile;
  };
  const profile = await refreshVersions();
  body.replaceChildren(versionsBox, imagesBox, calibrationBox, enrolSection(profile, refreshVersions), labelsSection(profile), dangerSection(profile));
}

function versionsSection(profile: Profile, rerender: () => Promise<unknown>): HTMLElement {
  const rows = [...profile.versions].reverse().map((v) => {
    const active = v.version === profile.activeVersion;
    const button = h('button', { type: 'button', className: 'small', disabled: active, 'aria-label': `Activate version ${v.version}` }, active ? 'Active' : 'Activate');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await ok(api.PUT('/v1/profiles/{name}/active-version', { params: { path: { name: profile.name } }, body: { version: v.version } }));
        announce(`Version ${v.version} of ${profile.name} is active`);
        await rerender();
      } catch (error) {
        button.after(errorBox(error));
        button.disabled = false;
      }
    });
    return [`v${v.version}`, h('time', { datetime: v.createdAt }, when(v.createdAt)), h('span', { className: 'num' }, String(v.bankImages)), v.backboneId, button];
  });
  return section('Versions',
    h('p', { className: 'muted' }, 'Inspections that name no version use the active one (the latest unless one was activated).'),
    table(`Versions of ${profile.name}`, ['Version', 'Created', 'Images in bank', 'Backbone', ''], rows, { hideCaption: true }));
}

function enrolSection(profile: Profile, refreshVersions: () => Promise<unknown>): HTMLElement {
  const form = enrolmentForm('Enrol', async (images, options) => {
    const job = await ok(api.POST('/v1/profiles/{name}/enrolments', { params: { path: { name: profile.name } }, body: { images, ...options } }));
    return { job, profile: profile.name };
  }, () => void refreshVersions().catch(() => undefined));
  return section('Enrol new normal images', h('p', { className: 'muted small' }, 'A new version holding the earlier images and these; the uploads go straight into storage.'), form);
}

function labelsSection(profile: Profile): HTMLElement {
  const box = h('div', {}, h('p', { className: 'muted' }, 'Loading…'));
  void ok(api.GET('/v1/profiles/{name}/labels', { params: { path: { name: profile.name } } })).then((set) => {
    clear(box);
    if (set.items.length === 0) {
      box.appendChild(h('p', { className: 'muted' }, 'No labelled report yet: judge reports in the ', h('a', { href: `#/review?profile=${encodeURIComponent(profile.name)}` }, 'review queue'), '.'));
      return;
    }
    box.appendChild(table('Labelled reports', ['Report', 'Label', 'From', 'Verdict', 'Score', 'Reviewers', 'When'], set.items.map((l) => [
      h('a', { href: href('reports', l.reportId) }, l.name), l.label, l.source, l.verdict ? verdictBadge(l.verdict) : '—', fmt(l.score), l.reviewers.join(', '), when(l.at),
    ]), { hideCaption: true }));
  }, (error) => box.replaceChildren(h('p', { className: 'error' }, errorText(error))));
  return section('Labelled set (validation)', box);
}

function dangerSection(profile: Profile): HTMLElement {
  const button = h('button', { type: 'button', className: 'danger' }, `Delete profile ${profile.name}…`);
  button.addEventListener('click', async () => {
    if (!window.confirm(`Delete profile ${profile.name}? No new inspections can use it; its reports keep citing it.`)) return;
    try {
      await ok(api.DELETE('/v1/profiles/{name}', { params: { path: { name: profile.name } } }));
      announce(`Profile ${profile.name} deleted`);
      go(href('profiles'));
    } catch (error) {
      button.after(errorBox(error));
    }
  });
  return section('Delete', h('p', { className: 'muted' }, 'Hidden from lists and refused for new inspections; versions stay for the reports that cite them.'), button);
}
