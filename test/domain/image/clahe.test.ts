import { clahe } from '../../../lambdas/domain/image/clahe.js';
import { imageFrom, noise } from './helpers.js';

/** Mean absolute difference between horizontal neighbours: a local-contrast measure. */
function localContrast(data: Float32Array, width: number): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    if (i % width === width - 1) continue;
    s += Math.abs(data[i + 1] - data[i]);
    n++;
  }
  return s / n;
}

test('raises the local contrast of a low-contrast image and stays within 0..1', () => {
  const rnd = noise(7);
  // A faint texture (±2 %) on a slow illumination gradient, as in an unevenly lit micrograph.
  const img = imageFrom(128, 96, (x, y) => 0.3 + 0.2 * (x / 128) + 0.02 * Math.sin(x * 0.7) * Math.cos(y * 0.5) + 0.005 * rnd());
  const out = clahe(img, { tilesX: 4, tilesY: 4, clipLimit: 3, bins: 256 });
  expect(localContrast(out.data, 128)).toBeGreaterThan(2 * localContrast(img.data, 128));
  for (const v of out.data) {
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1);
  }
});

test('keeps 16-bit detail with fine bins: levels 1/65535 apart stay ordered', () => {
  const img = imageFrom(64, 64, (x) => (32768 + (x % 8)) / 65535); // adjacent 16-bit levels
  const out = clahe(img, { tilesX: 2, tilesY: 2, clipLimit: 4, bins: 65536 });
  for (let x = 1; x < 8; x++) expect(out.data[x]).toBeGreaterThan(out.data[x - 1]);
});

test('is monotonic within a tile and has no blocks at tile borders on a smooth ramp', () => {
  const img = imageFrom(96, 96, (x, y) => (x + y) / 190);
  const out = clahe(img, { tilesX: 3, tilesY: 3, clipLimit: 2, bins: 256 });
  let worstJump = 0;
  for (let y = 0; y < 96; y++) {
    for (let x = 1; x < 96; x++) worstJump = Math.max(worstJump, Math.abs(out.data[y * 96 + x] - out.data[y * 96 + x - 1]));
  }
  expect(worstJump).toBeLessThan(0.05);
});

test('rejects nonsense options', () => {
  const img = imageFrom(8, 8, () => 0.5);
  expect(() => clahe(img, { tilesX: 0 })).toThrow(RangeError);
  expect(() => clahe(img, { clipLimit: 0.5 })).toThrow(RangeError);
  expect(() => clahe(img, { bins: 1 })).toThrow(RangeError);
});
