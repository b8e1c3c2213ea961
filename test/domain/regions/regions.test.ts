import { RegionSchema } from '../../../lambdas/domain/report/report.js';
import { findRegions } from '../../../lambdas/domain/regions/regions.js';

function canvas(width: number, height: number) {
  const data = new Float32Array(width * height);
  const rect = (x: number, y: number, w: number, h: number, v: number) => {
    for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) data[yy * width + xx] = v;
  };
  const disc = (cx: number, cy: number, r: number, v: number) => {
    for (let yy = 0; yy < height; yy++) for (let xx = 0; xx < width; xx++) if ((xx - cx) ** 2 + (yy - cy) ** 2 <= r * r) data[yy * width + xx] = v;
  };
  return { map: { width, height, data }, rect, disc };
}

describe('findRegions', () => {
  it('finds drawn blobs with their bbox, area, µm², peak, mean and centroid, highest peak first', () => {
    const c = canvas(100, 80);
    c.rect(10, 20, 12, 8, 0.6);
    c.map.data[25 * 100 + 15] = 0.7;
    c.disc(70, 50, 6, 0.9);
    c.rect(90, 2, 2, 2, 0.95); // 4 px speckle: below the minimum area
    const { regions, labels } = findRegions(c.map, { threshold: 0.5, minAreaPx: 10, pixelSizeUm: 0.5 });
    expect(regions).toHaveLength(2);
    const [discRegion, rectRegion] = regions;
    expect(discRegion.id).toBe(0);
    expect(discRegion.bbox).toEqual({ x: 64, y: 44, width: 13, height: 13 });
    expect(discRegion.peakScore).toBeCloseTo(0.9, 6);
    expect(discRegion.centroid.x).toBeCloseTo(70, 6);
    expect(discRegion.centroid.y).toBeCloseTo(50, 6);
    expect(rectRegion.bbox).toEqual({ x: 10, y: 20, width: 12, height: 8 });
    expect(rectRegion.areaPx).toBe(96);
    expect(rectRegion.areaUm2).toBeCloseTo(96 * 0.25, 10);
    expect(rectRegion.peakScore).toBeCloseTo(0.7, 6);
    expect(rectRegion.meanScore).toBeCloseTo((95 * 0.6 + 0.7) / 96, 6);
    expect(rectRegion.centroid).toEqual({ x: 15.5, y: 23.5 });
    for (const r of regions) expect(RegionSchema.safeParse(r).success).toBe(true);
    expect(labels[25 * 100 + 15]).toBe(2);
    expect(labels[50 * 100 + 70]).toBe(1);
    expect(labels[2 * 100 + 90]).toBe(0); // dropped speckle is not labelled
    expect(labels[0]).toBe(0);
  });

  it('joins diagonal neighbours (8-connectivity) and omits µm² without a pixel size', () => {
    const c = canvas(20, 20);
    for (let i = 0; i < 10; i++) c.map.data[(5 + i) * 20 + (5 + i)] = 1;
    const { regions } = findRegions(c.map, { threshold: 0.5, minAreaPx: 1 });
    expect(regions).toHaveLength(1);
    expect(regions[0].areaPx).toBe(10);
    expect(regions[0].bbox).toEqual({ x: 5, y: 5, width: 10, height: 10 });
    expect(regions[0].areaUm2).toBeUndefined();
  });

  it('finds nothing in a map below the threshold', () => {
    const c = canvas(30, 30);
    c.rect(0, 0, 30, 30, 0.5);
    expect(findRegions(c.map, { threshold: 0.5 }).regions).toEqual([]);
  });
});
