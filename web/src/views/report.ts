/**
 * One report: the micrograph with its layers (the micrograph as inspected, or the overlay, as the base; the phase
 * overlay; the heatmap with an opacity slider; region outlines with µm² and scores) in a pan/zoom viewer, and beside
 * it the verdict and its explanation,
 * the components (calibrated value, weight, Shapley value, contribution, p-value), regions, microstructure metrics
 * with units, consistency findings (expected vs measured), nearest enrolled images, timings and downloads.
 */
import { api, fetchBlob, isReport, ok, type InspectionView, type Report } from '../api/client.js';
import { announce, bytes, clear, errorBox, fmt, h, nextId, pct, progressBar, section, table, verdictBadge, when } from '../dom.js';
import { href, type Route } from '../router.js';
import { thumbCanvas } from '../thumbs.js';
import { loadPyramid, MicrographViewer, type LayerName, type Pyramid } from '../viewer.js';
import { reviewPanel } from './review.js';

export async function reportView(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const id = route.params.id!;
  const heading = h('h1', {}, 'Report');
  main.appendChild(h('div', { className: 'view-head' }, heading, h('a', { href: href('inspections') }, '← All inspections')));
  const body = h('div');
  main.appendChild(body);
  // Pending: follow it here until the report exists.
  for (;;) {
    const view = (await ok(api.GET('/v1/inspections/{id}', { params: { path: { id } }, signal }))) as InspectionView;
    if (signal.aborted) return;
    if (isReport(view)) {
      clear(body);
      renderReport(main, heading, body, view, signal);
      return;
    }
    heading.textContent = view.name;
    clear(body);
    body.appendChild(h('div', { className: 'panel pending', role: 'status' },
      h('p', {}, `${view.status}${view.stage ? ` · ${view.stage}` : ''}`),
      progressBar(`Progress of ${view.name}`, view.progress)));
    await new Promise((r) => setTimeout(r, 700));
    if (signal.aborted) return;
  }
}

function renderReport(main: HTMLElement, heading: HTMLElement, body: HTMLElement, report: Report, signal: AbortSignal): void {
  heading.textContent = report.input.name;
  heading.after(report.status === 'failed' ? verdictBadge('failed') : verdictBadge(report.scores!.verdict));
  main.dataset.reportId = report.id;
  if (report.status === 'failed') {
    body.appendChild(section('Failed',
      h('p', { role: 'alert' }, `${report.failure?.message ?? 'The inspection failed.'}`),
      h('dl', { className: 'facts' }, h('dt', {}, 'Code'), h('dd', {}, report.failure?.code ?? '—'), h('dt', {}, 'Stage'), h('dd', {}, report.failure?.stage ?? '—'))));
    body.appendChild(inputSection(report));
    body.appendChild(downloads(report));
    return;
  }
  const width = report.input.width ?? 1;
  const height = report.input.height ?? 1;
  const viewer = new MicrographViewer(width, height, `Micrograph ${report.input.name}, ${width} × ${height} px, with its layers`);
  signal.addEventListener('abort', () => viewer.destroy());
  const zoomText = h('span', { className: 'zoom', 'aria-live': 'off' }, '');
  viewer.onZoom = (z) => (zoomText.textContent = `${Math.round(z * 100)} %`);
  const loading = h('p', { className: 'muted small', role: 'status' }, 'Loading images…');

  const layout = h('div', { className: 'report-layout' });
  const stage = h('div', { className: 'stage' }, viewer.element,
    h('p', { id: 'viewer-keys', className: 'muted small' }, 'Drag or arrow keys to pan, wheel or + / − to zoom, 0 to fit, 1 for 1:1. ', zoomText), loading);
  const side = h('div', { className: 'side' });
  layout.append(stage, side);
  body.appendChild(layout);

  side.appendChild(verdictSection(report));
  const base = new BaseLayer(report, viewer, signal);
  side.appendChild(layerControls(viewer, base));
  const review = reviewPanel(report);
  if (review) side.appendChild(review);
  side.appendChild(regionsSection(report, viewer));
  side.appendChild(componentsSection(report));
  side.appendChild(microstructureSection(report));
  side.appendChild(findingsSection(report, viewer));
  side.appendChild(nearestSection(report));
  const extra = reproducibilityAndForecast(report);
  if (extra) side.appendChild(extra);
  side.appendChild(timingsSection(report));
  side.appendChild(inputSection(report));
  side.appendChild(downloads(report));

  viewer.setRegions(report.regions.map((r) => ({ id: r.id, bbox: r.bbox, label: regionLabel(r) })));
  void loadLayers(viewer, base, loading, signal);
}

function regionLabel(r: Report['regions'][number]): string {
  const area = r.areaUm2 !== undefined ? `${fmt(r.areaUm2, 1)} µm²` : `${r.areaPx} px`;
  return `#${r.id} · ${area} · peak ${fmt(r.peakScore)}`;
}

type BaseName = 'micrograph' | 'overlay';

/**
 * The base layer: the micrograph as inspected (GET …/micrograph.png) when the report has one, else the overlay
 * (micrograph, anomaly colour, outlines). The other one is fetched only when chosen, then kept for switching back.
 */
class BaseLayer {
  readonly choices: BaseName[];
  private readonly loaded = new Map<BaseName, Pyramid>();
  private current: BaseName;

  constructor(readonly report: Report, private readonly viewer: MicrographViewer, private readonly signal: AbortSignal) {
    this.choices = (['micrograph', 'overlay'] as const).filter((k) => report.links[k]);
    this.current = this.choices[0] ?? 'overlay';
    // The viewer closes the pyramid it shows; the one set aside is closed here.
    signal.addEventListener('abort', () => this.loaded.forEach((p, k) => k !== this.current && closePyramid(p)));
  }

  get name(): BaseName {
    return this.current;
  }

  /** Shows `name` (fetching it the first time); resolves once its full resolution is drawn. */
  async show(name: BaseName): Promise<void> {
    this.current = name;
    const cached = this.loaded.get(name);
    const shown = (p: Pyramid) => {
      if (!this.signal.aborted && this.current === name) {
        this.viewer.setLayer('base', p);
        this.viewer.element.dataset.base = name;
      }
    };
    if (cached) return shown(cached);
    const blob = await fetchBlob(this.report.links[name]!, this.signal);
    const pyramid = await loadPyramid(blob, shown);
    this.loaded.set(name, pyramid);
    shown(pyramid);
  }
}

async function loadLayers(viewer: MicrographViewer, base: BaseLayer, loading: HTMLElement, signal: AbortSignal): Promise<void> {
  type Load = [LayerName, () => Promise<void>];
  const over = async (name: LayerName, link: string) => {
    const shown = (p: Pyramid) => !signal.aborted && viewer.setLayer(name, p);
    shown(await loadPyramid(await fetchBlob(link, signal), shown));
  };
  const { links } = base.report;
  const layers: Load[] = [
    ...(base.choices.length ? [['base', () => base.show(base.name)] as Load] : []),
    ...(['heatmap', 'phases'] as const).filter((k) => links[k]).map((k): Load => [k, () => over(k, links[k]!)]),
  ];
  const done: string[] = [];
  const failures: string[] = [];
  await Promise.all(layers.map(async ([name, load]) => {
    try {
      await load();
      done.push(name);
    } catch (error) {
      if (!signal.aborted) failures.push(`${name}: ${(error as Error).message}`);
    }
  }));
  if (signal.aborted) return;
  viewer.element.dataset.layers = done.sort().join(' ');
  loading.textContent = failures.length ? `Some images could not be loaded (${failures.join('; ')}).` : '';
  if (!failures.length) loading.hidden = true;
}

function closePyramid(p: Pyramid): void {
  p.overview.close();
  p.tiles?.forEach((t) => t.bitmap.close());
}

const BASE_LABELS: Record<BaseName, string> = {
  micrograph: 'Micrograph (as inspected)',
  overlay: 'Overlay (micrograph, anomaly colour, outlines)',
};

function layerControls(viewer: MicrographViewer, base: BaseLayer): HTMLElement {
  const opacityId = nextId('opacity');
  const opacity = h('input', { type: 'range', id: opacityId, min: '0', max: '100', step: '5', value: '50' });
  const out = h('output', { for: opacityId }, '50 %');
  opacity.addEventListener('input', () => {
    viewer.setOpacity('heatmap', Number(opacity.value) / 100);
    out.textContent = `${opacity.value} %`;
  });
  const phases = h('input', { type: 'checkbox', id: nextId('phases') });
  phases.addEventListener('change', () => {
    viewer.setVisible('phases', phases.checked);
    announce(phases.checked ? 'Phase overlay on' : 'Phase overlay off');
  });
  const regions = h('input', { type: 'checkbox', id: nextId('regions'), checked: true });
  regions.addEventListener('change', () => viewer.setShowRegions(regions.checked));
  const select = h('select', { id: nextId('base') }, base.choices.map((k) => h('option', { value: k }, BASE_LABELS[k])));
  select.addEventListener('change', async () => {
    const name = select.value as BaseName;
    try {
      await base.show(name);
      announce(`Base image: ${BASE_LABELS[name]}`);
    } catch (error) {
      select.after(errorBox(error));
    }
  });
  const legendPhases = h('ul', { className: 'legend' },
    ([['sulfur', '#ffd200'], ['pore', '#286eff'], ['crack', '#ff1e1e'], ['void', '#ff00dc'], ['agglomerate', '#00e65a'], ['inclusion', '#ff7800']] as const)
      .map(([name, colour]) => h('li', {}, swatch(colour), name)));
  return section('Layers',
    h('div', { className: 'field' }, h('label', { for: select.id }, 'Base image'), select),
    h('div', { className: 'field range' }, h('label', { for: opacityId }, 'Heatmap opacity'), opacity, out),
    h('div', { className: 'colourbar', role: 'img', 'aria-label': 'Heatmap colour scale: dark is normal, yellow is far above the pixel threshold (orange)' },
      h('span', {}, 'normal'), h('span', { className: 'bar' }), h('span', {}, 'anomalous')),
    h('div', { className: 'field check' }, phases, h('label', { for: phases.id }, 'Phase overlay')),
    legendPhases,
    h('div', { className: 'field check' }, regions, h('label', { for: regions.id }, 'Region outlines')),
    h('div', { className: 'actions' },
      h('button', { type: 'button', onclick: () => viewer.fit() }, 'Fit'),
      h('button', { type: 'button', onclick: () => viewer.actualSize() }, '1:1')));
}

function swatch(colour: string): HTMLElement {
  const s = h('span', { className: 'swatch', 'aria-hidden': 'true' });
  s.style.background = colour;
  return s;
}

function verdictSection(report: Report): HTMLElement {
  const s = report.scores!;
  const u = s.uncertainty;
  const ood = s.outOfDistribution;
  return section('Verdict',
    h('p', { className: 'score-line' }, verdictBadge(s.verdict), ' ', h('strong', {}, `score ${fmt(s.score)}`),
      h('span', { className: 'muted' }, ` (suspect ≥ ${fmt(s.thresholds.suspect)}, anomalous ≥ ${fmt(s.thresholds.anomalous)})`)),
    s.explanation ? h('p', { className: 'explanation' }, s.explanation) : null,
    u ? h('p', {}, `Uncertainty: ${Math.round(u.confidence * 100)} % of resampled scores in ${fmt(u.lower)} – ${fmt(u.upper)}. `,
      u.componentsAgree ? 'The components agree.' : `The components disagree${u.disagreement ? `: ${u.disagreement}` : '.'}`) : null,
    ood?.flagged ? h('p', { className: 'warning' }, `Out of distribution: ${ood.reason ?? 'outside what the profile has seen'}.`) : null,
    h('dl', { className: 'facts' },
      h('dt', {}, 'Profile'), h('dd', {}, report.profile ? `${report.profile.name} v${report.profile.version}` : '—'),
      h('dt', {}, 'Backbone'), h('dd', {}, report.backbone?.id ?? '—'),
      h('dt', {}, 'Created'), h('dd', {}, when(report.createdAt))));
}

function componentsSection(report: Report): HTMLElement {
  const rows = report.scores!.components.map((c) => [
    c.name,
    h('span', { className: 'num' }, fmt(c.raw, 3)),
    h('span', { className: 'num' }, fmt(c.calibrated)),
    h('span', { className: 'num' }, fmt(c.weight)),
    h('span', { className: 'num' }, c.shapley !== undefined ? `${c.shapley >= 0 ? '+' : ''}${fmt(c.shapley)}` : '—'),
    contributionBar(c.contribution),
    c.pValue !== undefined ? `${fmt(c.pValue, 3)}${c.calibrationSize !== undefined ? ` (n=${c.calibrationSize})` : ''}` : '—',
  ]);
  return section('Components', table('Score components', ['Component', 'Raw', 'Calibrated', 'Weight', 'Shapley', 'Contribution', 'p-value'], rows, { hideCaption: true }),
    h('p', { className: 'muted small' }, 'Calibrated: 0..1 on held-out normals (0.5 = suspect). Shapley values sum to the fused score; contribution is each one’s share.'));
}

function contributionBar(value: number): HTMLElement {
  const bar = h('span', { className: 'bar-fill' });
  bar.style.width = `${Math.round(value * 100)}%`;
  return h('span', { className: 'contribution' }, h('span', { className: 'bar-track', 'aria-hidden': 'true' }, bar), pct(value, 0));
}

function regionsSection(report: Report, viewer: MicrographViewer): HTMLElement {
  if (report.regions.length === 0) return section('Regions', h('p', { className: 'muted' }, 'No region above the pixel threshold.'));
  const rows = report.regions.map((r) => [
    `#${r.id}`,
    h('span', { className: 'num' }, r.areaUm2 !== undefined ? `${fmt(r.areaUm2, 2)} µm²` : '—'),
    h('span', { className: 'num' }, `${r.areaPx} px`),
    h('span', { className: 'num' }, fmt(r.peakScore)),
    h('span', { className: 'num' }, fmt(r.meanScore)),
    `${r.bbox.x}, ${r.bbox.y} · ${r.bbox.width}×${r.bbox.height}`,
    h('button', { type: 'button', className: 'small', onclick: () => viewer.focusBox(r.bbox, r.id), 'aria-label': `Show region ${r.id}` }, 'Show'),
  ]);
  return section('Regions', table('Regions', ['Region', 'Area', 'Pixels', 'Peak', 'Mean', 'Box (x, y · w×h px)', ''], rows, { hideCaption: true }));
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const numOf = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function microstructureSection(report: Report): HTMLElement {
  const m = report.microstructure;
  if (!isObj(m)) return section('Microstructure', h('p', { className: 'muted' }, 'Not measured.'));
  const unit = m.unit === 'um' ? 'µm' : 'px';
  const area = unit === 'µm' ? 'µm²' : 'px²';
  const facts: [string, string][] = [];
  const add = (label: string, value: string | undefined) => {
    if (value !== undefined) facts.push([label, value]);
  };
  add('Modality', typeof m.modality === 'string' ? m.modality.toUpperCase() : undefined);
  add('Pixel size', numOf(m.pixelSizeUm) !== undefined ? `${fmt(numOf(m.pixelSizeUm), 4)} µm/px (${report.input.pixelSizeSource ?? 'unknown'})` : 'unknown: sizes in px');
  if (isObj(m.phases)) for (const [phase, fraction] of Object.entries(m.phases)) add(`${phase[0]!.toUpperCase()}${phase.slice(1)} fraction`, pct(numOf(fraction)));
  add('Porosity', numOf(m.porosity) !== undefined ? pct(numOf(m.porosity)) : undefined);
  if (isObj(m.particles)) {
    const p = m.particles;
    add('Particles', numOf(p.count) !== undefined ? String(p.count) : undefined);
    add('D10 / D50 / D90', [p.d10, p.d50, p.d90].every((v) => numOf(v) !== undefined) ? `${fmt(numOf(p.d10))} / ${fmt(numOf(p.d50))} / ${fmt(numOf(p.d90))} ${unit}` : undefined);
    add('Circularity (mean)', numOf(p.meanCircularity) !== undefined ? fmt(numOf(p.meanCircularity)) : undefined);
    add('Aspect ratio (mean)', numOf(p.meanAspectRatio) !== undefined ? fmt(numOf(p.meanAspectRatio)) : undefined);
  }
  if (isObj(m.pores)) {
    add('Pores', numOf(m.pores.count) !== undefined ? String(m.pores.count) : undefined);
    add('Pore D50 / largest', numOf(m.pores.d50) !== undefined ? `${fmt(numOf(m.pores.d50))} / ${fmt(numOf(m.pores.largest))} ${unit}` : undefined);
  }
  if (isObj(m.largestAgglomerate)) {
    const a = m.largestAgglomerate;
    add('Largest sulfur cluster', `${fmt(numOf(a.equivalentDiameter))} ${unit} across, ${fmt(numOf(a.area))} ${area}, ${fmt(numOf(a.primaryParticles), 1)} particles${a.isAgglomerate ? ' (agglomerate)' : ''}`);
  }
  const list = (v: unknown) => (Array.isArray(v) ? (v.filter(isObj) as Obj[]) : []);
  const cracks = list(m.cracks);
  add('Cracks', cracks.length ? `${cracks.length}, total length ${fmt(cracks.reduce((s, c) => s + (numOf(c.length) ?? 0), 0), 1)} ${unit}` : '0');
  const voids = list(m.voids);
  add('Voids', voids.length ? `${voids.length}, largest ${fmt(Math.max(...voids.map((v) => numOf(v.equivalentDiameter) ?? 0)), 2)} ${unit} across` : '0');
  add('Bright inclusions', String(list(m.brightInclusions).length));
  if (isObj(m.graph)) add('Particle/pore graph', `${m.graph.nodes} nodes, ${m.graph.edges} edges, mean degree ${fmt(numOf(m.graph.meanDegree))}`);
  const checks = isObj(m.consistency) ? list(m.consistency.checks) : [];
  return section('Microstructure',
    h('dl', { className: 'facts' }, facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    checks.length ? h('details', {}, h('summary', {}, `Consistency checks (${checks.length})`),
      h('ul', { className: 'checks' }, checks.map((c) => h('li', {}, h('code', {}, String(c.rule)), `: ${c.status}${c.reason ? ` (${c.reason})` : ''}`)))) : null);
}

function findingsSection(report: Report, viewer: MicrographViewer): HTMLElement {
  const findings = (report.findings ?? []).filter(isObj);
  if (findings.length === 0) return section('Findings', h('p', { className: 'muted' }, 'No consistency rule fired.'));
  const range = (e: unknown) => {
    if (!isObj(e)) return '—';
    const u = typeof e.unit === 'string' ? ` ${e.unit}` : '';
    if (numOf(e.min) !== undefined && numOf(e.max) !== undefined) return `${fmt(numOf(e.min))} – ${fmt(numOf(e.max))}${u}`;
    if (numOf(e.max) !== undefined) return `≤ ${fmt(numOf(e.max))}${u}`;
    if (numOf(e.min) !== undefined) return `≥ ${fmt(numOf(e.min))}${u}`;
    if (numOf(e.value) !== undefined) return `${fmt(numOf(e.value))}${u}`;
    return JSON.stringify(e);
  };
  const rows = findings.map((f) => {
    const loc = Array.isArray(f.locations) ? (f.locations as unknown[]).find(isObj) : undefined;
    const bbox = loc && isObj(loc.bbox) ? (loc.bbox as { x: number; y: number; width: number; height: number }) : undefined;
    return [
      h('span', {}, h('strong', {}, String(f.title ?? f.rule)), h('div', { className: 'muted small' }, String(f.explanation ?? ''))),
      h('span', { className: `badge severity-${String(f.severity)}` }, String(f.severity ?? '')),
      range(f.expected),
      range(f.measured),
      bbox ? h('button', { type: 'button', className: 'small', onclick: () => viewer.focusBox(bbox), 'aria-label': `Show where: ${String(f.title ?? f.rule)}` }, 'Show') : '',
    ];
  });
  return section('Findings', table('Consistency findings', ['Rule', 'Severity', 'Expected', 'Measured', ''], rows, { hideCaption: true }));
}

function nearestSection(report: Report): HTMLElement {
  const nearest = report.novelty?.nearest ?? [];
  const profile = report.profile;
  // The thumbnail route of the version the report was scored against; a report written before neighbours carried
  // their hash, or an image enrolled before thumbnails were kept (404), shows the name alone.
  const thumbnail = (sha256: string | undefined) =>
    profile && sha256 ? `/v1/profiles/${encodeURIComponent(profile.name)}/versions/${profile.version}/images/${sha256}/thumbnail.png` : undefined;
  return section('Nearest known samples',
    nearest.length
      ? h('ol', { className: 'image-grid nearest', 'aria-label': 'Nearest known samples' }, nearest.map((n) => {
        const link = thumbnail(n.sha256);
        return h('li', {},
          link ? thumbCanvas(link, `${n.id}, enrolled image at distance ${fmt(n.distance, 4)}`) : null,
          h('span', { className: 'name small', title: n.id }, n.id),
          h('span', { className: 'muted small' }, `distance ${fmt(n.distance, 4)}${n.label ? ` · ${n.label}` : ''}`));
      }))
      : h('p', { className: 'muted' }, 'None recorded.'),
    h('p', { className: 'muted small' }, 'The enrolled images of the profile nearest to this one, nearest first (distance between image embeddings).'));
}

function reproducibilityAndForecast(report: Report): HTMLElement | null {
  const r = report.reproducibility;
  const f = report.forecast;
  if (!r && !f) return null;
  return section('Replicates and forecast',
    r ? h('p', {}, `${r.fields} fields of batch ${r.batchId}, sample ${r.sampleId}: reproducibility ${fmt(r.score)} (mean CV ${pct(r.meanCv)}).`) : h('p', { className: 'muted' }, 'No replicates.'),
    f ? (f.available
      ? h('p', {}, `Capacity retention at cycle ${f.cycle}: ${pct(f.retention)} (${Math.round(f.confidence * 100)} % interval ${pct(f.lower)} – ${pct(f.upper)}; ${f.trainingBatches} batches${f.synthetic ? ', partly generated history' : ''}).`)
      : h('p', { className: 'muted' }, `No forecast: ${f.reason}.`)) : null);
}

function timingsSection(report: Report): HTMLElement {
  const entries = Object.entries(report.timingsMs);
  const total = entries.reduce((s, [, v]) => s + v, 0);
  return section('Timings', table('Time per stage', ['Stage', 'ms'], [...entries.map(([k, v]) => [k, h('span', { className: 'num' }, fmt(v, 1))]), [h('strong', {}, 'sum'), h('strong', { className: 'num' }, fmt(total, 1))]], { hideCaption: true, className: 'data compact' }));
}

function inputSection(report: Report): HTMLElement {
  const i = report.input;
  const meta = Object.entries(report.metadata ?? {});
  return section('Input',
    h('dl', { className: 'facts' },
      h('dt', {}, 'Size'), h('dd', {}, i.width ? `${i.width} × ${i.height} px` : '—'),
      h('dt', {}, 'Format'), h('dd', {}, `${i.format ?? '—'}${i.bitDepth ? `, ${i.bitDepth}-bit` : ''}${i.channels ? `, ${i.channels} channel${i.channels > 1 ? 's' : ''}` : ''}`),
      h('dt', {}, 'Bytes'), h('dd', {}, bytes(i.bytes)),
      h('dt', {}, 'SHA-256'), h('dd', { className: 'mono' }, i.sha256),
      h('dt', {}, 'Report id'), h('dd', { className: 'mono' }, report.id)),
    i.warnings.length ? h('ul', { className: 'warnings' }, i.warnings.map((w) => h('li', {}, w))) : null,
    meta.length ? h('details', {}, h('summary', {}, 'Synthesis sheet'), h('dl', { className: 'facts' }, meta.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))]))) : null);
}

function downloads(report: Report): HTMLElement {
  const list = h('ul', { className: 'downloads' });
  const json = new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' });
  const jsonUrl = URL.createObjectURL(json);
  list.appendChild(h('li', {}, h('a', { href: jsonUrl, download: `${report.id}.json` }, 'Report (JSON)')));
  for (const kind of ['micrograph', 'heatmap', 'overlay', 'phases']) {
    const link = report.links[kind];
    if (!link) continue;
    const button = h('button', { type: 'button', className: 'linklike' }, `${kind}.png`);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const blob = await fetchBlob(link);
        const url = URL.createObjectURL(blob);
        const a = h('a', { href: url, download: `${report.id}-${kind}.png` });
        document.body.appendChild(a);
        a.click();
        a.remove();
        window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
      } catch (error) {
        button.after(errorBox(error));
      }
      button.disabled = false;
    });
    list.appendChild(h('li', {}, button));
  }
  return section('Downloads', list);
}
