import type { EvaluationResult } from './evaluate.js';

/** Left-aligned first column, right-aligned others, columns padded to their widest cell. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
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
      `tiles ${s.tiling.tileSize} px (overlap ${s.tiling.overlap}), pad ${s.borderPad} px, smoothing σ ${s.smoothingSigmaPx} px, normalise ${s.normalise === false ? 'none' : 'product'}, ` +
      `fusion ${s.fusion.components.map((c) => `${c} ${s.fusion.weights[c]}`).join(', ')}`,
  );
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
  out.push('confusion at the operating threshold (the calibrated suspect threshold: score >= it is flagged, i.e. verdict suspect or anomalous)');
  out.push(
    renderTable(
      ['method', 'threshold', 'TP', 'FP', 'TN', 'FN', 'precision', 'recall', 'FPR', '| at anomalous thr: recall', 'FPR'],
      r.methods.map((m) => {
        const o = m.image.operating;
        const a = m.image.atAnomalous;
        return [m.method, o.threshold.toPrecision(4), String(o.confusion.tp), String(o.confusion.fp), String(o.confusion.tn), String(o.confusion.fn), num(o.precision), num(o.recall), num(o.fpr), num(a.recall), num(a.fpr)];
      }),
    ),
  );
  out.push('');
  const t = r.timingsMs;
  out.push(`timings: ${Object.entries(t).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}`);
  return out.join('\n') + '\n';
}
