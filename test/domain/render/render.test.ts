import { createGreyImage } from '../../../lambdas/domain/image/grey-image.js';
import { findRegions, regionMask } from '../../../lambdas/domain/regions/regions.js';
import { INFERNO, buildLut, lutIndex } from '../../../lambdas/domain/render/colormap.js';
import { heatmapBounds, renderHeatmap, renderOverlay } from '../../../lambdas/domain/render/heatmap.js';

const pixel = (img: { width: number; data: Uint8ClampedArray }, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
const lightness = (lut: Uint8Array, i: number) => 0.2126 * lut[i * 3] + 0.7152 * lut[i * 3 + 1] + 0.0722 * lut[i * 3 + 2];

describe('colour map', () => {
  it('runs from near black to pale yellow with rising lightness', () => {
    expect(INFERNO.length).toBe(768);
    expect(Array.from(INFERNO.subarray(0, 3))).toEqual([0, 0, 4]);
    expect(Array.from(INFERNO.subarray(765))).toEqual([252, 255, 164]);
    for (let i = 8; i < 256; i += 8) expect(lightness(INFERNO, i)).toBeGreaterThan(lightness(INFERNO, i - 8));
  });

  it('interpolates between control points and scales values into the table', () => {
    const lut = buildLut([[0, 0, 0], [255, 0, 100]]);
    expect(Array.from(lut.subarray(51 * 3, 51 * 3 + 3))).toEqual([51, 0, 20]);
    expect(lutIndex(5, 0, 10)).toBe(128);
    expect(lutIndex(-1, 0, 10)).toBe(0);
    expect(lutIndex(11, 0, 10)).toBe(255);
  });
});

describe('renderHeatmap', () => {
  it('has the map size and colours low and high scores from the two ends of the map', () => {
    const data = new Float32Array(6 * 4);
    data[5] = 2;
    data[6] = 1;
    const img = renderHeatmap({ width: 6, height: 4, data }, { low: 0, high: 2 });
    expect(img.width).toBe(6);
    expect(img.height).toBe(4);
    expect(img.data.length).toBe(6 * 4 * 4);
    expect(pixel(img, 0, 0)).toEqual([0, 0, 4, 255]);
    expect(pixel(img, 5, 0)).toEqual([252, 255, 164, 255]);
    expect(pixel(img, 0, 1)).toEqual([...INFERNO.subarray(128 * 3, 128 * 3 + 3), 255]);
  });

  it('puts the pixel threshold mid-scale', () => {
    const b = heatmapBounds(3, 1);
    expect(b).toEqual({ low: 1, high: 5 });
  });
});

describe('renderOverlay', () => {
  it('keeps the grey micrograph below the floor, tints hot pixels and outlines regions', () => {
    const w = 40, h = 30;
    const grey = createGreyImage(w, h);
    for (let i = 0; i < grey.data.length; i++) grey.data[i] = (i % w) / (w - 1); // horizontal ramp 0..1
    const score = new Float32Array(w * h);
    for (let y = 10; y < 20; y++) for (let x = 20; x < 30; x++) score[y * w + x] = 1;
    const map = { width: w, height: h, data: score };
    const { labels } = findRegions(map, { threshold: 0.5, minAreaPx: 1 });
    const img = renderOverlay(grey, map, { bounds: { low: 0, high: 1 }, floor: 0.1, maxAlpha: 0.5, regions: regionMask(labels) });
    expect(img.width).toBe(w);
    expect(img.height).toBe(h);
    expect(pixel(img, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(img, w - 1, 0)).toEqual([255, 255, 255, 255]);
    expect(pixel(img, 20, 10)).toEqual([0, 255, 255, 255]); // outline (cyan)
    expect(pixel(img, 29, 19)).toEqual([0, 255, 255, 255]);
    const inside = pixel(img, 25, 15);
    const g = (25 / (w - 1)) * 255;
    expect(inside[0]).toBeCloseTo(g + (252 - g) * 0.5, -0.5);
    expect(inside[2]).toBeCloseTo(g + (164 - g) * 0.5, -0.5);
    expect(pixel(img, 31, 15)[0]).toBe(pixel(img, 31, 15)[1]); // outside the hot square: untinted grey
  });

  it('outlines exactly the pixels of kept regions that a label image marks as edges (diagonal touches, small regions dropped)', () => {
    const w = 64, h = 48;
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const map = { width: w, height: h, data: Float32Array.from({ length: w * h }, () => (random() < 0.35 ? 1 : 0)) };
    const { labels, regions } = findRegions(map, { threshold: 0.5, minAreaPx: 4 });
    expect(regions.length).toBeGreaterThan(5);
    const overlay = renderOverlay(createGreyImage(w, h), map, { bounds: { low: 0, high: 1 }, floor: 2, regions: regionMask(labels) });
    let outlined = 0;
    let dropped = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const l = labels[i]!;
        // The label-image definition: a labelled pixel with a 4-neighbour of another label, or on the image edge.
        const edge = l !== 0 && (x === 0 || y === 0 || x === w - 1 || y === h - 1
          || labels[i - 1] !== l || labels[i + 1] !== l || labels[i - w] !== l || labels[i + w] !== l);
        expect(pixel(overlay, x, y)).toEqual(edge ? [0, 255, 255, 255] : [0, 0, 0, 255]);
        if (edge) outlined++;
        if (map.data[i]! > 0.5 && l === 0) dropped++;
      }
    }
    expect(outlined).toBeGreaterThan(20);
    expect(dropped).toBeGreaterThan(0); // regions under 4 px are in the map but not outlined
  });

  it('blends each pixel as the formula says, rounding half to even and clamping (NaN and infinite scores included)', () => {
    /** Round half to even, clamp to 0..255, NaN → 0: the byte a Uint8ClampedArray stores, written out. */
    const byte = (v: number) => {
      if (!(v > 0)) return 0;
      if (v >= 255) return 255;
      const f = Math.floor(v);
      const d = v - f;
      return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
    };
    const n = 64 * 64;
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    // Grey 0..255 with both ends present, so each value is its own grey level and halves stay halves.
    const grey = createGreyImage(64, 64, Float32Array.from({ length: n }, () => random() * 255));
    const scores = Float32Array.from({ length: n }, () => random() * 2);
    grey.data[0] = 0; grey.data[1] = 255;
    scores[5] = NaN; scores[6] = Infinity; scores[7] = 0.8; // NaN and the floor itself stay grey
    grey.data[9] = 100.5; grey.data[10] = 101.5; scores[9] = scores[10] = 0; // → 100 and 102
    const bounds = { low: 0.8, high: 1.6 };
    const img = renderOverlay(grey, { width: 64, height: 64, data: scores }, { bounds });
    expect([pixel(img, 9, 0)[0], pixel(img, 10, 0)[0]]).toEqual([100, 102]);
    const [min, max] = [0, 255];
    for (let i = 0; i < n; i++) {
      const g = (grey.data[i]! - min) * (255 / (max - min));
      const s = scores[i]!;
      let rgb = [byte(g), byte(g), byte(g)];
      if (s > bounds.low) {
        const alpha = 0.6 * Math.min(1, (s - bounds.low) / (bounds.high - bounds.low));
        const k = lutIndex(s, bounds.low, bounds.high) * 3;
        rgb = [0, 1, 2].map((c) => byte(g + (INFERNO[k + c]! - g) * alpha));
      }
      expect(pixel(img, i % 64, Math.floor(i / 64))).toEqual([...rgb, 255]);
    }
  });

  it('rejects a score map of another size', () => {
    expect(() => renderOverlay(createGreyImage(4, 4), { width: 3, height: 4, data: new Float32Array(12) }, { bounds: { low: 0, high: 1 } }))
      .toThrow(RangeError);
  });
});
