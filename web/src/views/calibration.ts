/**
 * A profile version's calibration and evaluation figures (GET /v1/profiles/{name}/versions/{version}/calibration):
 * the operating thresholds and how they were set; per component, the histogram of the calibration normals' raw
 * scores with the component's suspect and anomalous levels (and the labelled anomalies' scores when there are some);
 * the fused scores of the labelled reports with the operating thresholds; and their ROC with its AUROC when labels
 * of both kinds exist. The charts are the ones `mmdo evaluate` draws: the same SVG builders (lambdas/domain/plots)
 * and ROC maths (lambdas/domain/evaluation/ranking), pure functions bundled into the page; each SVG is parsed as
 * XML (its text is escaped by the builders) and shown inline, so it scales and is readable by assistive technology.
 */
import { auroc, rocCurve } from '../../../lambdas/domain/evaluation/ranking.js';
import { rocChart, scoreHistogram } from '../../../lambdas/domain/plots/charts.js';
import { api, ok, type Profile, type Schemas } from '../api/client.js';
import { errorBox, field, fmt, h, pct, section } from '../dom.js';
import { versionSelect } from './enrolled-images.js';

type Figures = Schemas['CalibrationFigures'];

export function calibrationSection(profile: Profile): HTMLElement {
  const version = versionSelect(profile);
  const box = h('div', { className: 'calibration', 'aria-live': 'polite' });
  // A version's figures that arrive after another was chosen are dropped.
  let generation = 0;
  const load = async () => {
    const current = ++generation;
    box.replaceChildren(h('p', { className: 'muted' }, 'Loading…'));
    try {
      const figures = await ok(api.GET('/v1/profiles/{name}/versions/{version}/calibration', { params: { path: { name: profile.name, version: Number(version.value) } } }));
      if (current === generation) box.replaceChildren(...calibrationFigures(figures));
    } catch (error) {
      if (current === generation) box.replaceChildren(errorBox(error));
    }
  };
  version.addEventListener('change', () => void load());
  void load();
  return section('Calibration and evaluation', field('Version', version), box);
}

function calibrationFigures(f: Figures): HTMLElement[] {
  const o = f.operating;
  const facts = h('dl', { className: 'facts' },
    h('dt', {}, 'Operating thresholds'), h('dd', {}, `suspect ≥ ${fmt(o.thresholds.suspect, 3)}, anomalous ≥ ${fmt(o.thresholds.anomalous, 3)} (fused score)`),
    h('dt', {}, 'Set by'), h('dd', {}, `${o.source}${o.calibrationSize ? ` on ${o.calibrationSize} calibration normals` : ''}; declared false alarms: ${pct(o.suspectRate)} flagged, ${pct(o.falseAlarmRate)} anomalous`),
    [h('dt', {}, 'At the operating threshold'), h('dd', { 'data-at-operating': '' }, atOperating(f.atOperating))],
    f.tuning ? [h('dt', {}, 'Tuned'), h('dd', {}, `${f.tuning.tuner}: ${f.tuning.metric} ${fmt(f.tuning.value, 3)} on validation${f.tuning.test ? `; test split: ${Object.entries(f.tuning.test).map(([k, v]) => `${k} ${fmt(v, 3)}`).join(', ')}` : ''}`)] : null);
  const out: HTMLElement[] = [facts];
  if (o.warning) out.push(h('p', { className: 'warning', role: 'note' }, o.warning));

  const labelled = f.labelled.items;
  const normals = labelled.filter((l) => !l.anomalous);
  const anomalies = labelled.filter((l) => l.anomalous);
  const charts: HTMLElement[] = [];
  for (const c of f.components) {
    if (c.normals.length === 0) continue;
    const anomalous = anomalies.flatMap((l) => (l.components[c.name] !== undefined ? [l.components[c.name]!] : []));
    const levels = c.thresholds ? [{ label: 'suspect', value: c.thresholds.suspect }, { label: 'anomalous', value: c.thresholds.anomalous }] : [];
    charts.push(chart(scoreHistogram(`${c.name}${c.fused ? '' : ' (not fused)'}: raw scores of the calibration normals`, c.normals, anomalous, levels),
      `Histogram of the ${c.name} raw scores of ${c.normals.length} calibration normals${anomalous.length ? ` and ${anomalous.length} labelled anomalies` : ''}, with the ${c.name} suspect and anomalous levels`, 'histogram', c.name));
  }
  if (labelled.length) {
    charts.push(chart(scoreHistogram('fused score of the labelled reports', normals.map((l) => l.score), anomalies.map((l) => l.score), [
      { label: 'suspect', value: o.thresholds.suspect }, { label: 'anomalous', value: o.thresholds.anomalous },
    ]), `Histogram of the fused scores of ${normals.length} labelled normal and ${anomalies.length} labelled anomalous reports, with the operating thresholds`, 'histogram', 'fused'));
  }
  const missing: string[] = [];
  if (normals.length && anomalies.length) {
    const scores = labelled.map((l) => l.score);
    const labels = labelled.map((l) => (l.anomalous ? 1 : 0));
    const area = auroc(scores, labels);
    charts.push(chart(rocChart([{ name: 'fused score', points: rocCurve(scores, labels), auroc: area }], `ROC on ${labelled.length} labelled reports`),
      `ROC of the fused score on ${normals.length} labelled normal and ${anomalies.length} labelled anomalous reports: AUROC ${area.toFixed(3)}`, 'roc', 'fused'));
  } else {
    missing.push(`No ROC: it needs reports of this version labelled normal and anomalous (now ${normals.length} normal, ${anomalies.length} anomalous); judge reports in the review queue.`);
  }
  if (f.components.every((c) => c.normals.length === 0)) missing.push('No calibration scores: this version records none.');
  if (f.labelled.otherVersions) missing.push(`${f.labelled.otherVersions} labelled report${f.labelled.otherVersions === 1 ? ' was' : 's were'} scored by other versions (another scale), so ${f.labelled.otherVersions === 1 ? 'it is' : 'they are'} left out.`);
  out.push(h('div', { className: 'charts' }, charts));
  for (const m of missing) out.push(h('p', { className: 'muted', 'data-missing': '' }, m));
  return out;
}

/** One SVG chart, inline, with its accessible name. */
function chart(svg: string, label: string, kind: 'histogram' | 'roc', of: string): HTMLElement {
  const parsed = new DOMParser().parseFromString(svg, 'image/svg+xml').documentElement;
  const element = document.importNode(parsed, true);
  element.setAttribute('role', 'img');
  element.setAttribute('aria-label', label);
  return h('figure', { className: 'chart', 'data-chart': kind, 'data-of': of }, element);
}

/** What the labels say the operating threshold does: defects found and normals flagged, with their 95 % intervals. */
function atOperating(a: Figures['atOperating']): string {
  const share = (e: NonNullable<Figures['atOperating']['recall']>, what: string) =>
    `${e.hits} of ${e.of} labelled ${what}${e.of === 1 ? '' : 's'} (${pct(e.share)}, 95 % interval ${pct(e.lower)}–${pct(e.upper)})`;
  const parts = [
    a.recall ? `flags ${share(a.recall, 'defect')}` : 'no labelled defect yet',
    a.falseAlarms ? `and ${share(a.falseAlarms, 'normal')}` : 'no labelled normal yet',
  ];
  return `${parts.join('; ')}.`;
}
