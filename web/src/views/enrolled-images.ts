/**
 * A profile version's enrolled images (GET /v1/profiles/{name}/versions/{version}/images): thumbnails with name and
 * role (memory bank or held-out calibration), a page at a time; each thumbnail is fetched when it scrolls into view.
 */
import { api, ok, type Profile } from '../api/client.js';
import { errorBox, field, h, section } from '../dom.js';
import { thumbCanvas } from '../thumbs.js';

/** Images per page: enough to see what a profile holds, bounded for a bank of thousands. */
const PAGE = 48;

const ROLE_TEXT = { bank: 'bank', calibration: 'calibration' } as const;

/** A choice of the profile's versions, newest first, the active one chosen. */
export function versionSelect(profile: Profile): HTMLSelectElement {
  return h('select', {}, [...profile.versions].reverse().map((v) =>
    h('option', { value: String(v.version), selected: v.version === profile.activeVersion }, `v${v.version}${v.version === profile.activeVersion ? ' (active)' : ''}`)));
}

export function enrolledImagesSection(profile: Profile): HTMLElement {
  const version = versionSelect(profile);
  const role = h('select', {}, h('option', { value: '' }, 'All'), h('option', { value: 'bank' }, 'Memory bank'), h('option', { value: 'calibration' }, 'Calibration (held out)'));
  const grid = h('ul', { className: 'image-grid', 'aria-label': 'Enrolled images' });
  const more = h('button', { type: 'button', hidden: true }, 'Show more');
  const status = h('p', { className: 'muted small', role: 'status' });
  let cursor: string | undefined;
  let shown = 0;
  // A page that arrives after the version or role changed is dropped.
  let generation = 0;

  const load = async () => {
    const current = generation;
    more.disabled = true;
    try {
      const query = { limit: PAGE, ...(role.value ? { role: role.value as 'bank' | 'calibration' } : {}), ...(cursor ? { cursor } : {}) };
      const page = await ok(api.GET('/v1/profiles/{name}/versions/{version}/images', { params: { path: { name: profile.name, version: Number(version.value) }, query } }));
      if (current !== generation) return;
      grid.append(...page.items.map((image) => h('li', { 'data-role': image.role },
        thumbCanvas(image.links.thumbnail, `${image.name}, ${ROLE_TEXT[image.role]} image`),
        h('span', { className: 'name small', title: image.name }, image.name),
        h('span', { className: `badge role-${image.role}` }, ROLE_TEXT[image.role]))));
      shown += page.items.length;
      cursor = page.next ?? undefined;
      more.hidden = !page.next;
      status.textContent = shown === 0 ? 'This version records no images.' : `${shown} image${shown === 1 ? '' : 's'} shown${page.next ? '; more below' : ''}.`;
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
    more.disabled = false;
  };
  const reload = () => {
    generation += 1;
    grid.replaceChildren();
    cursor = undefined;
    shown = 0;
    void load();
  };
  version.addEventListener('change', reload);
  role.addEventListener('change', reload);
  more.addEventListener('click', () => void load());
  reload();
  return section('Enrolled images',
    h('div', { className: 'grid2' }, field('Version', version), field('Role', role)),
    grid, status, h('div', { className: 'actions' }, more));
}
