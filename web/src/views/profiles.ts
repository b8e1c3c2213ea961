/**
 * Profiles: each with its versions (created, images in the bank, backbone, the active one), activate a version,
 * delete a profile. What the API does not serve (the enrolled images' names, calibration and evaluation figures)
 * is said, not invented.
 */
import { api, ok, type Profile } from '../api/client.js';
import { announce, errorBox, h, section, table, when } from '../dom.js';
import { go, href, type Route } from '../router.js';

export async function profilesView(main: HTMLElement, _route: Route, signal: AbortSignal): Promise<void> {
  main.appendChild(h('div', { className: 'view-head' }, h('h1', {}, 'Profiles')));
  const list = await ok(api.GET('/v1/profiles', { signal }));
  if (list.items.length === 0) {
    main.appendChild(h('p', {}, 'No profile yet. Enrol one with ', h('code', {}, 'mmdo enroll --profile NAME <normal images>'), '.'));
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
}

export async function profileView(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const name = route.params.name!;
  main.appendChild(h('div', { className: 'view-head' }, h('h1', {}, `Profile ${name}`), h('a', { href: href('profiles') }, '← All profiles')));
  const body = h('div');
  main.appendChild(body);
  const render = async () => {
    const profile: Profile = await ok(api.GET('/v1/profiles/{name}', { params: { path: { name } }, signal }));
    body.replaceChildren(versionsSection(profile, render), notServedSection(), dangerSection(profile));
  };
  await render();
}

function versionsSection(profile: Profile, rerender: () => Promise<void>): HTMLElement {
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

function notServedSection(): HTMLElement {
  return section('Enrolled images and calibration',
    h('p', {}, 'The API gives each version’s number of bank images; it serves neither the enrolled images nor the calibration and evaluation figures, so they are not shown here. ',
      h('code', {}, 'mmdo evaluate'), ' draws the ROC and score histograms locally.'),
    h('p', {}, 'Enrol new normal images with ', h('code', {}, 'mmdo enroll --profile NAME <files>'), ' (a new version); the API has no enrolment route yet.'));
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
