import { createGreyImage } from '../../../lambdas/domain/image/grey-image.js';
import { extractTile, planTiles, stitchTiles, type Tile, type TileMap, planPaddedTiles, tilePlanPixels, TILE_PLAN_ALLOWANCE } from '../../../lambdas/domain/image/tiling.js';
import { imageFrom } from './helpers.js';

function coverage(width: number, height: number, tiles: readonly Tile[]): Uint16Array {
  const count = new Uint16Array(width * height);
  for (const t of tiles) {
    for (let y = Math.max(0, t.y); y < Math.min(height, t.y + t.height); y++) {
      for (let x = Math.max(0, t.x); x < Math.min(width, t.x + t.width); x++) count[y * width + x]++;
    }
  }
  return count;
}

describe('planTiles', () => {
  test.each([
    [1000, 700, 256, 32, 32],
    [512, 512, 256, 64, 32],
    [257, 300, 256, 16, 1],
    [100, 60, 224, 32, 32],
    [2000, 1500, 512, 64, 32],
  ])('%ix%i with %i tiles, overlap %i, multiple %i: every pixel covered, tiles inside the image, overlap kept', (w, h, size, overlap, multiple) => {
    const plan = planTiles(w, h, size, overlap, multiple);
    expect(coverage(w, h, plan.tiles).every((c) => c > 0)).toBe(true);
    expect(plan.tileWidth % multiple).toBe(0);
    expect(plan.tileHeight % multiple).toBe(0);
    for (const t of plan.tiles) {
      expect(t.x).toBeGreaterThanOrEqual(0);
      expect(t.y).toBeGreaterThanOrEqual(0);
      if (w >= size) expect(t.x + t.width).toBeLessThanOrEqual(w);
      if (h >= size) expect(t.y + t.height).toBeLessThanOrEqual(h);
    }
    // Neighbouring tiles along a row overlap by at least `overlap` pixels.
    const xs = [...new Set(plan.tiles.map((t) => t.x))].sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1] + plan.tileWidth - xs[i]).toBeGreaterThanOrEqual(overlap);
  });

  test('an image smaller than a tile gets one tile rounded up to the multiple', () => {
    const plan = planTiles(100, 60, 224, 32, 32);
    expect(plan.tiles).toEqual([{ x: 0, y: 0, width: 128, height: 64 }]);
  });

  test('rejects an overlap as large as the tile', () => {
    expect(() => planTiles(100, 100, 64, 64)).toThrow(RangeError);
  });
});

test('extractTile copies pixels and mirrors past the edge', () => {
  const img = imageFrom(10, 6, (x, y) => x + 10 * y);
  const tile = extractTile(img, { x: 2, y: 1, width: 4, height: 3 });
  expect(Array.from(tile.data)).toEqual([12, 13, 14, 15, 22, 23, 24, 25, 32, 33, 34, 35]);
  const beyond = extractTile(img, { x: 0, y: 0, width: 12, height: 6 });
  expect(beyond.data[10]).toBe(8);
});

describe('stitchTiles', () => {
  const smooth = (x: number, y: number) => 0.5 + 0.3 * Math.sin(x / 40) * Math.cos(y / 55);

  test.each([
    [512, 384],
    [517, 389],
  ])('full-resolution maps of a smooth field stitch back exactly at %ix%i', (w, h) => {
    const truth = imageFrom(w, h, smooth);
    const plan = planTiles(w, h, 128, 32, 8);
    const maps: TileMap[] = plan.tiles.map((tile) => ({ tile, map: extractTile(truth, tile) }));
    const out = stitchTiles(maps, w, h, plan.overlap);
    let worst = 0;
    for (let i = 0; i < out.data.length; i++) worst = Math.max(worst, Math.abs(out.data[i] - truth.data[i]));
    expect(worst).toBeLessThan(1e-5);
  });

  test.each([
    [512, 384],
    [517, 389],
  ])('stride-8 score maps (one value per 8x8 cell) reproduce a smooth field without seams at %ix%i', (w, h) => {
    const stride = 8;
    const plan = planTiles(w, h, 128, 32, stride);
    const maps: TileMap[] = plan.tiles.map((tile) => {
      const mw = tile.width / stride;
      const mh = tile.height / stride;
      const data = new Float32Array(mw * mh);
      // Each cell holds the field at its centre, as a backbone's feature cell would summarise its patch.
      for (let j = 0; j < mh; j++) for (let i = 0; i < mw; i++) data[j * mw + i] = smooth(tile.x + (i + 0.5) * stride - 0.5, tile.y + (j + 0.5) * stride - 0.5);
      return { tile, map: createGreyImage(mw, mh, data) };
    });
    const out = stitchTiles(maps, w, h, plan.overlap);
    let worst = 0;
    let worstStep = 0;
    // Within half a cell of the image border there is no sample beyond to interpolate towards; judge the rest.
    const inside = (x: number, y: number) => x >= stride / 2 && y >= stride / 2 && x < w - stride / 2 && y < h - stride / 2;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (inside(x, y)) worst = Math.max(worst, Math.abs(out.data[y * w + x] - smooth(x, y)));
        if (x > 0) worstStep = Math.max(worstStep, Math.abs(out.data[y * w + x] - out.data[y * w + x - 1]));
      }
    }
    // Bilinear interpolation of 8-px samples alone errs by up to stride²/8·max|f''| ≈ 0.0015 on this field.
    expect(worst).toBeLessThan(0.005);
    // The field changes by at most 0.3/40 per pixel; a seam would show as a larger jump.
    expect(worstStep).toBeLessThan(0.3 / 40 + 0.002);
  });

  test('overlapping tiles that disagree cross-fade instead of leaving a seam', () => {
    const w = 200;
    const plan = planTiles(w, 16, 128, 56);
    expect(plan.tiles.length).toBe(2);
    const maps = plan.tiles.map((tile, i) => ({ tile, map: createGreyImage(tile.width, tile.height, new Float32Array(tile.width * tile.height).fill(i)) }));
    const out = stitchTiles(maps, w, 16, plan.overlap);
    let worstStep = 0;
    for (let x = 1; x < w; x++) worstStep = Math.max(worstStep, Math.abs(out.data[x] - out.data[x - 1]));
    expect(out.data[0]).toBeCloseTo(0, 5);
    expect(out.data[w - 1]).toBeCloseTo(1, 5);
    expect(worstStep).toBeLessThan(0.1); // a hard seam would jump by 1
  });
});

describe('tile plan limit', () => {
  const tiling = { tileSize: 256, overlap: 32 };
  test('an ordinary image plans within the allowance; a long thin strip of the same pixel count is refused before any tile is cut', () => {
    const maxPixels = 4096 * 4096;
    const square = planPaddedTiles(4096, 4096, tiling, 32, 32, maxPixels);
    expect(tilePlanPixels(square) / (4096 * 4096)).toBeLessThan(TILE_PLAN_ALLOWANCE);
    // 32 x 524288 has the same 16.8 MP, but its padded tiles would cover 3-4 times as much.
    expect(() => planPaddedTiles(32, 524288, tiling, 32, 32, maxPixels)).toThrow(expect.objectContaining({ code: 'too_many_pixels', status: 413 }));
    expect(planPaddedTiles(32, 524288, tiling, 32, 32).tiles.length).toBeGreaterThan(1000); // no limit given: planned
  });
});

test('stitching band by band gives exactly the single-pass result (bands of 1, 7 and all rows)', () => {
  const plan = planPaddedTiles(700, 500, { tileSize: 256, overlap: 32 }, 32, 32);
  let r = 3;
  const rnd = () => ((r = (r * 1103515245 + 12345) % 2147483648) / 2147483648);
  const maps = plan.tiles.map((tile) => ({ tile, map: createGreyImage(plan.tileWidth / 8, plan.tileHeight / 8, Float32Array.from({ length: (plan.tileWidth / 8) * (plan.tileHeight / 8) }, rnd)) }));
  const whole = stitchTiles(maps, 764, 564, plan.overlap, 764 * 564);
  for (const rows of [1, 7, 100]) expect(Array.from(stitchTiles(maps, 764, 564, plan.overlap, 764 * rows).data)).toEqual(Array.from(whole.data));
});
