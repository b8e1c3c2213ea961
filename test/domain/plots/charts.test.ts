import { missesGrid, rocChart, scoreHistogram } from '../../../lambdas/domain/plots/charts.js';
import { heatmapOverlay, maskOverlay } from '../../../lambdas/domain/plots/heatmap.js';
import { INFERNO } from '../../../lambdas/domain/render/colormap.js';
import { tickLabel } from '../../../lambdas/domain/plots/svg.js';

describe('evaluation charts (SVG strings)', () => {
  test('ROC chart draws one polyline per method plus the diagonal, labels carry the AUROC, text is escaped', () => {
    const svg = rocChart([
      { name: 'patch-knn', points: [{ fpr: 0, tpr: 0 }, { fpr: 0, tpr: 1 }, { fpr: 1, tpr: 1 }], auroc: 1 },
      { name: 'a<b', points: [{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }], auroc: 0.5 },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(3);
    expect(svg).toContain('patch-knn (AUROC 1.000)');
    expect(svg).toContain('a&lt;b (AUROC 0.500)');
    // The perfect curve goes straight up the left axis (x = 70) to the top (y = 40).
    expect(svg).toContain('points="70,440 70,40 470,40"');
  });

  test('histogram bars are densities per class and threshold lines are drawn', () => {
    const svg = scoreHistogram('scores', [0, 0, 0, 1], [3, 3], [{ label: 'suspect', value: 2 }], 3);
    expect(svg).toContain('normal (4)');
    expect(svg).toContain('anomalous (2)');
    expect(svg).toContain('>suspect<');
    // 3 bins over 0..3: normal has bins 0 (3/4) and 1 (1/4), anomalous only bin 2 (1/1): 3 bars.
    expect(svg.match(/fill-opacity="0.5"/g)).toHaveLength(3);
  });

  test('misses grid keeps image, mask and heatmap columns aligned when a row has no mask', () => {
    // Rows are tile + 44 = 144 px apart from y = 40; images start 38 px into a row; columns are tile + 10 apart.
    const svg = missesGrid('worst', [
      { caption: 'missed', detail: 'd', imageHref: 'data:a', maskHref: 'data:m', heatmapHref: 'data:h' },
      { caption: 'false alarm', detail: 'd', imageHref: 'data:b', heatmapHref: 'data:h2' },
    ], 100);
    expect(svg).toContain('x="240" y="222" width="100" height="100" preserveAspectRatio="xMidYMid meet" href="data:h2"');
    expect(svg.match(/<image /g)).toHaveLength(5);
  });
});

describe('heatmap rendering', () => {
  test('overlay blends the reports\' colour map (inferno) over the image, more opaque where the score is high; mask tints red', () => {
    const image = { width: 2, height: 1, data: Float32Array.from([0, 0]) };
    const over = heatmapOverlay(image, { width: 2, height: 1, data: Float32Array.from([0, 10]) }, 0, 10);
    // On a black image the blend is colour × opacity: 0.25 at the low end, 0.75 at the top.
    expect(Array.from(over.data.subarray(0, 3))).toEqual([0, 0, 4].map((c) => Math.round(c * 0.25)));
    expect(Array.from(over.data.subarray(4, 7))).toEqual([INFERNO[765]!, INFERNO[766]!, INFERNO[767]!].map((c) => Math.round(c * 0.75)));
    const masked = maskOverlay({ width: 2, height: 1, data: Float32Array.from([0.5, 0.5]) }, Uint8Array.from([1, 0]));
    expect(Array.from(masked.data.subarray(0, 8))).toEqual([204, 51, 51, 255, 128, 128, 128, 255]);
    expect(() => heatmapOverlay(image, { width: 1, height: 1, data: new Float32Array(1) }, 0, 1)).toThrow(/sizes differ/);
  });
});

describe('tick labels', () => {
  it('carry one digit more than the spacing needs, so neighbouring ticks never read alike', () => {
    // The tuner's chart: 0.67…0.90 in six steps of 0.0383 (two digits made 0.8617 read "0.86", as 0.86 would).
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => tickLabel(0.6700 + 0.0383 * i, 0.0383))).toEqual(['0.67', '0.708', '0.747', '0.785', '0.823', '0.862', '0.9']);
    expect([0, 0.2, 0.4, 1].map((v) => tickLabel(v, 0.2))).toEqual(['0', '0.2', '0.4', '1']);
    expect([0, 2, 4, 12].map((v) => tickLabel(v, 2))).toEqual(['0', '2', '4', '12']);
    expect(tickLabel(25000, 5000)).toBe('2.5e+4');
  });
});
