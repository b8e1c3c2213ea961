/**
 * Upload: drop one or many images (or choose them), pick the profile (and version), the pixel size and a synthesis
 * sheet (typed in the form, or a JSON / `key: value` text file); each file is posted as multipart (large ones
 * through an upload slot) with its own progress, then followed until its report exists.
 */
import { api, ok, uploadImage, type Profile, type UploadOptions } from '../api/client.js';
import { announce, bytes, clear, errorText, field, h, progressBar, section } from '../dom.js';
import { onJob, reportOf, track } from '../jobs.js';
import { href, type Route } from '../router.js';

const ACCEPT = 'image/png,image/jpeg,image/tiff,.png,.jpg,.jpeg,.tif,.tiff';
const SHEET_FIELDS: [string, string, string][] = [
  ['batchId', 'Batch', 'text'],
  ['sampleId', 'Sample', 'text'],
  ['sulfurLoadingWtPct', 'Sulfur loading (wt%)', 'number'],
  ['carbonHost', 'Carbon host', 'text'],
  ['targetPorosity', 'Target porosity (0–1 or %)', 'text'],
  ['particleSizeUm', 'Declared particle D50 (µm)', 'number'],
  ['processNotes', 'Process notes', 'text'],
];

export async function uploadView(main: HTMLElement, _route: Route, signal: AbortSignal): Promise<void> {
  main.appendChild(h('div', { className: 'view-head' }, h('h1', {}, 'Upload images')));
  let profiles: Profile[] = [];
  let defaultProfile: string | null = null;
  try {
    const list = await ok(api.GET('/v1/profiles', { signal }));
    profiles = list.items;
    defaultProfile = list.defaultProfile;
  } catch (error) {
    main.appendChild(h('p', { className: 'error', role: 'alert' }, `Profiles could not be read: ${errorText(error)}`));
  }

  const profile = h('select', { name: 'profile', required: true }, profiles.map((p) => h('option', { value: p.name }, p.name)));
  if (defaultProfile && profiles.some((p) => p.name === defaultProfile)) profile.value = defaultProfile;
  const version = h('select', { name: 'profileVersion' });
  const fillVersions = () => {
    clear(version);
    const p = profiles.find((x) => x.name === profile.value);
    version.appendChild(h('option', { value: '' }, p ? `Active (v${p.activeVersion})` : 'Active'));
    for (const v of [...(p?.versions ?? [])].reverse()) version.appendChild(h('option', { value: String(v.version) }, `v${v.version} · ${v.bankImages} images`));
  };
  profile.addEventListener('change', fillVersions);
  fillVersions();
  const pixelSize = h('input', { type: 'number', name: 'pixelSizeUm', min: '0.0001', max: '1000', step: 'any', inputmode: 'decimal', placeholder: 'from the file or sheet' });

  const sheetInputs = SHEET_FIELDS.map(([name, , type]) => h('input', { type, name, step: type === 'number' ? 'any' : undefined, autocomplete: 'off' }));
  const sheetFile = h('input', { type: 'file', name: 'sheetFile', accept: '.json,.txt,application/json,text/plain' });
  const sheetStatus = h('p', { className: 'muted small', 'aria-live': 'polite' });
  let sheetFromFile: Record<string, unknown> | undefined;
  sheetFile.addEventListener('change', async () => {
    sheetFromFile = undefined;
    const file = sheetFile.files?.[0];
    if (!file) return (sheetStatus.textContent = '');
    try {
      sheetFromFile = parseSheet(await file.text(), file.name);
      sheetStatus.textContent = `${file.name}: ${Object.keys(sheetFromFile).length} fields (the service validates them on upload; fields typed above win).`;
    } catch (error) {
      sheetStatus.textContent = `${file.name}: ${errorText(error)}`;
    }
  });

  const files = h('input', { type: 'file', id: 'upload-files', multiple: true, accept: ACCEPT, className: 'file-input' });
  const drop = h('div', { className: 'dropzone' },
    h('p', {}, h('strong', {}, 'Drop micrographs here'), ' (PNG, JPEG, TIFF; 8 or 16 bit), or'),
    h('label', { for: 'upload-files', className: 'button' }, 'Choose files…'), files);
  const list = h('ul', { className: 'uploads', 'aria-label': 'Uploads' });
  const start = async (chosen: File[]) => {
    const options: UploadOptions = {
      ...(profile.value ? { profile: profile.value } : {}),
      ...(version.value ? { profileVersion: Number(version.value) } : {}),
      ...(pixelSize.value ? { pixelSizeUm: Number(pixelSize.value) } : {}),
      ...sheetOption(),
    };
    announce(`Uploading ${chosen.length} file${chosen.length === 1 ? '' : 's'}`);
    // Two at a time: the service queues them anyway, the browser keeps the page responsive.
    const queue = [...chosen];
    await Promise.all([0, 1].map(async () => {
      for (let file = queue.shift(); file; file = queue.shift()) await uploadOne(file, options, list, signal);
    }));
  };
  const sheetOption = (): { metadata?: Record<string, unknown> } => {
    const typed: Record<string, unknown> = {};
    SHEET_FIELDS.forEach(([name, , type], i) => {
      const v = sheetInputs[i]!.value.trim();
      if (v) typed[name] = type === 'number' ? Number(v) : v;
    });
    const sheet = { ...(sheetFromFile ?? {}), ...typed };
    return Object.keys(sheet).length ? { metadata: sheet } : {};
  };
  files.addEventListener('change', () => {
    const chosen = [...(files.files ?? [])];
    files.value = '';
    if (chosen.length) void start(chosen);
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const chosen = [...(e.dataTransfer?.files ?? [])].filter((f) => /\.(png|jpe?g|tiff?)$/i.test(f.name) || /^image\/(png|jpeg|tiff)$/.test(f.type));
    if (chosen.length) void start(chosen);
    else announce('No PNG, JPEG or TIFF among the dropped files');
  });

  main.appendChild(h('div', { className: 'upload-layout' },
    h('div', {},
      section('Settings',
        h('div', { className: 'grid2' }, field('Profile', profile), field('Profile version', version)),
        field('Pixel size (µm per pixel)', pixelSize, 'Overrides the file’s own and the sheet’s; leave empty to use them.')),
      section('Synthesis sheet',
        h('p', { className: 'muted small' }, 'Optional: how the batch was made. Checked against the measured microstructure.'),
        h('div', { className: 'grid2' }, SHEET_FIELDS.map(([, label], i) => field(label, sheetInputs[i]!))),
        field('Or a sheet file (JSON, or key: value lines)', sheetFile), sheetStatus)),
    h('div', {}, section('Images', drop, list))));
}

async function uploadOne(file: File, options: UploadOptions, list: HTMLElement, signal: AbortSignal): Promise<void> {
  const bar = progressBar(`Upload of ${file.name}`, 0);
  const statusText = h('span', { className: 'status' }, 'uploading');
  const cancel = h('button', { type: 'button', className: 'small' }, 'Cancel');
  const item = h('li', { className: 'upload-item', 'data-file': file.name }, h('span', { className: 'name' }, file.name), h('span', { className: 'muted small' }, bytes(file.size)), bar, statusText, cancel);
  list.appendChild(item);
  const handle = uploadImage(file, { ...options, name: file.name }, (f) => {
    bar.value = f;
    statusText.textContent = f < 1 ? `uploading ${Math.round(f * 100)} %` : 'uploaded';
  });
  cancel.addEventListener('click', () => handle.abort());
  try {
    const accepted = await handle.done;
    cancel.remove();
    track(accepted.id, file.name);
    item.dataset.id = accepted.id;
    statusText.textContent = accepted.status;
    bar.removeAttribute('value');
    const stop = onJob((job) => {
      if (job.id !== accepted.id) return;
      const report = reportOf(job);
      if (report) {
        stop();
        bar.value = 1;
        clear(statusText);
        statusText.append(report.status === 'failed' ? `failed: ${report.failure?.message ?? ''} ` : `${report.scores?.verdict} (${report.scores?.score.toFixed(2)}) `,
          h('a', { href: href('reports', report.id) }, 'Open report'));
        item.dataset.status = report.status;
        announce(`${file.name}: ${report.status === 'failed' ? 'failed' : report.scores?.verdict}`);
      } else if (job.view && 'stage' in job.view) {
        statusText.textContent = `${job.view.status}${job.view.stage ? ` · ${job.view.stage}` : ''}`;
        if (job.view.progress !== null) bar.value = job.view.progress;
      }
    });
    signal.addEventListener('abort', stop);
  } catch (error) {
    cancel.remove();
    bar.remove();
    item.dataset.status = 'refused';
    statusText.textContent = `refused: ${errorText(error)}`;
    statusText.setAttribute('role', 'alert');
  }
}

/** A sheet file: a JSON object, or `key: value` / `key = value` / tab-separated lines. */
export function parseSheet(text: string, name: string): Record<string, unknown> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || /\.json$/i.test(name)) {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  }
  const out: Record<string, string> = {};
  for (const raw of trimmed.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([^:=\t]{1,80}?)\s*(?::|=|\t)\s*(.*)$/.exec(line);
    if (m && !(m[1]!.trim() in out)) out[m[1]!.trim()] = m[2]!.trim();
  }
  if (Object.keys(out).length === 0) throw new Error('no "key: value" lines');
  return out;
}
