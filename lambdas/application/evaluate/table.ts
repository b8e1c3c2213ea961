import type { EvaluationResult, ScoredImage } from './evaluate.js';
import type { RepeatedEvaluation, Spread } from './repeats.js';
import { shareWithInterval } from '../../domain/evaluation/share.js';
import { csvCell } from '../../domain/csv.js';

/** Left-aligned first column, right-aligned others, columns padded to their widest cell. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** hits/of with its exact 95 % interval: `0.262 [0.219–0.309]`. */
function withInterval(hits: number, of: number): string {
  if (of === 0) return '–';
  const e = shareWithInterval(hits, of);
  return `${num(e.share)} [${num(e.lower)}–${num(e.upper)}]`;
}

const num = (v: number | undefined, digits = 3) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const pct = (v: number | undefined) => (v === undefined ? '–' : `${(100 * v).toFixed(1)}%`);

/** The evaluation as people read it: overall table, per-class table, confusion matrices, timings. */
export function formatEvaluation(r: EvaluationResult): string {
  const out: string[] = [];
  out.push(`manifest ${r.manifest}`);
  out.push(`backbone ${r.backbone.id} (sha256 ${r.backbone.sha256.slice(0, 12)}…), seed ${r.seed}`);
  out.push(
    `split (${r.split.source}): bank ${r.split.bank}, calibration ${r.split.calibration}, test ${r.split.testNormal} normal + ${r.split.testAnomalous} anomalous`,
  );
  const f = r.profile.features;
  const s = r.profile.settings;
  out.push(
    `profile: layers ${f.layers.join('+')}, neighbourhood ${f.neighbourhood}, k ${f.k}, coreset ${f.coresetRatio} (cap ${f.coresetMaxSize ?? '–'}, ${r.profile.bankVectors} vectors), projection ${f.projectionDim ?? 'none'}, ` +
      `working scale ${s.workingScale}, tiles ${s.tiling.tileSize} px (overlap ${s.tiling.overlap}), pad ${s.borderPad} px, smoothing σ ${s.smoothingSigmaPx} px, normalise ${s.normalise === false ? 'none' : 'product'}, ` +
      `fusion ${s.fusion.components.map((c) => `${c} ${s.fusion.weights[c]}`).join(', ')}`,
  );
  out.push(s.density.enabled
    ? `density: ${s.density.layers.join('+')} mean+std${s.density.logBlocks ? ' and their logs' : ''}, short side ${s.density.shortSide} px${s.density.scales.length > 1 ? ` × ${s.density.scales.join('/')}` : ''}, ${s.density.views} view(s), normalise ${s.density.normalise === false ? 'none' : s.density.normalise.clahe ? 'with CLAHE' : 'without CLAHE'}${s.density.map ? `, its map joined to the patch map (pixel figures)${s.density.mapSmoothingPx > 0 ? `, smoothed by σ ${s.density.mapSmoothingPx} px` : ''}${s.density.mapLayers?.length ? `, with ${s.density.mapLayers.join('+')} in the map only${s.density.mapLayersSmoothingPx !== null ? ` (smoothed by σ ${s.density.mapLayersSmoothingPx} px)` : ''}` : ''}` : ''}`
    : 'density: off');
  if (r.failures.length) out.push(`not scored: ${r.failures.length} image(s), e.g. ${r.failures[0]!.path}: ${r.failures[0]!.code}: ${r.failures[0]!.message}`);
  out.push('');
  out.push(
    renderTable(
      ['method', 'image AUROC', 'AUPR', 'best F1', 'F1 @op', 'pixel AUROC', 'AUPRO@30%'],
      r.methods.map((m) => [
        m.method,
        num(m.image.auroc),
        num(m.image.aupr),
        num(m.image.bestF1.f1),
        num(m.image.operating.f1),
        num(m.pixel?.auroc),
        num(m.pixel?.aupro),
      ]),
    ),
  );
  out.push('');
  out.push('per class: image AUROC / pixel AUROC / AUPRO / share flagged at the operating threshold (for normal: the false-alarm rate)');
  const classes = r.methods[0]?.perClass.map((c) => c.className) ?? [];
  out.push(
    renderTable(
      ['class', 'images', ...r.methods.map((m) => m.method)],
      classes.map((name) => {
        const first = r.methods[0]!.perClass.find((c) => c.className === name)!;
        return [
          name,
          String(first.images),
          ...r.methods.map((m) => {
            const c = m.perClass.find((x) => x.className === name)!;
            return name === 'normal' ? `flagged ${pct(c.flaggedAtOperating)}` : `${num(c.imageAuroc)} / ${num(c.pixelAuroc)} / ${num(c.aupro)} / ${pct(c.flaggedAtOperating)}`;
          }),
        ];
      }),
    ),
  );
  out.push('');
  out.push('confusion at the operating threshold (the calibrated suspect threshold: score >= it is flagged, i.e. verdict suspect or anomalous);');
  out.push('recall and FPR with their exact 95 % binomial intervals in brackets (how far a test set this size can be off)');
  out.push(
    renderTable(
      ['method', 'threshold', 'TP', 'FP', 'TN', 'FN', 'precision', 'recall', 'FPR', '| at anomalous thr: recall', 'FPR'],
      r.methods.map((m) => {
        const o = m.image.operating;
        const a = m.image.atAnomalous;
        const { tp, fp, tn, fn } = o.confusion;
        return [m.method, o.threshold.toPrecision(4), String(tp), String(fp), String(tn), String(fn), num(o.precision), withInterval(tp, tp + fn), withInterval(fp, fp + tn), num(a.recall), num(a.fpr)];
      }),
    ),
  );
  out.push('');
  const t = r.timingsMs;
  out.push(`timings: ${Object.entries(t).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}`);
  return out.join('\n') + '\n';
}

/** Repeated splits as people read them: mean ± sd (worst split) per method and metric, then per class. */
export function formatRepeats(r: RepeatedEvaluation): string {
  const cell = (s: Spread | undefined) => (s ? `${num(s.mean)} ± ${num(s.sd)} (${num(s.worst)})` : '–');
  const out: string[] = [];
  out.push(`manifest ${r.manifest}`);
  out.push(`${r.seeds.length} seeded splits (seeds ${r.seeds.join(', ')}): mean ± standard deviation (worst split)`);
  const first = r.runs[0]!;
  out.push(`split: bank ${first.split.bank}, calibration ${first.split.calibration}, test ${first.split.testNormal} normal + ${first.split.testAnomalous} anomalous`);
  out.push('');
  const metrics: [string, string][] = [
    ['auroc', 'image AUROC'], ['aupr', 'AUPR'], ['bestF1', 'best F1'], ['f1AtOperating', 'F1 @op'],
    ['normalsFlagged', 'normals flagged @op'], ['pixelAuroc', 'pixel AUROC'], ['aupro', 'AUPRO@30%'],
  ];
  out.push(renderTable(['method', ...metrics.map(([, label]) => label)], r.summary.map((m) => [m.method, ...metrics.map(([key]) => cell(m.metrics[key]))])));
  out.push('');
  out.push('per class: image AUROC (for normal: the share flagged at the operating threshold)');
  const classes = r.summary[0]?.perClass.map((c) => c.className) ?? [];
  out.push(renderTable(['class', ...r.summary.map((m) => m.method)], classes.map((name) => [
    name,
    ...r.summary.map((m) => {
      const c = m.perClass.find((x) => x.className === name);
      return cell(name === 'normal' ? c?.metrics['flagged.normal'] : c?.metrics['auroc']);
    }),
  ])));
  return out.join('\n') + '\n';
}

/**
 * One CSV row per scored test image: path, label, class, each method's score, then each fusion component's raw and
 * calibrated score (empty where an image lacks one). For looking into misses, or trying another threshold offline.
 * Path and class are cells as the usage export writes them (domain/csv.ts); the scores are plain numbers.
 */
export function scoresCsv(images: readonly ScoredImage[]): string {
  const methods = [...new Set(images.flatMap((i) => Object.keys(i.scores)))];
  const components = [...new Set(images.flatMap((i) => i.components.map((c) => c.name)))];
  const header = ['path', 'label', 'class', ...methods, ...components.flatMap((c) => [`${c}.raw`, `${c}.calibrated`])];
  const rows = images.map((i) => [
    csvCell(i.path), String(i.label), csvCell(i.className),
    ...methods.map((m) => csvNumber(i.scores[m])),
    ...components.flatMap((name) => {
      const c = i.components.find((x) => x.name === name);
      return [csvNumber(c?.raw), csvNumber(c?.calibrated)];
    }),
  ]);
  return [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';
}

const csvNumber = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '' : String(v));
