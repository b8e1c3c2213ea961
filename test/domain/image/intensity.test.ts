import { percentileStretch, percentiles } from '../../../lambdas/domain/image/intensity.js';
import { imageFrom, valueRange } from './helpers.js';

test('percentiles of a uniform ramp', () => {
  const img = imageFrom(1001, 1, (x) => x / 1000);
  const [p1, p50, p99] = percentiles(img, [1, 50, 99]);
  expect(p1).toBeCloseTo(0.01, 3);
  expect(p50).toBeCloseTo(0.5, 3);
  expect(p99).toBeCloseTo(0.99, 3);
});

test('stretch maps the 0.5–99.5 % range to 0..1 and ignores a few hot pixels', () => {
  const img = imageFrom(100, 100, (x, y) => (x === 0 && y < 10 ? 1 : 0.4 + 0.1 * ((x + y) / 198)));
  const { image, low, high } = percentileStretch(img, 0.5, 99.5);
  expect(high).toBeLessThan(0.51);
  expect(low).toBeGreaterThanOrEqual(0.4);
  expect(valueRange(image.data)).toEqual([0, 1]);
  // Mid-range pixels spread over most of 0..1 rather than being squeezed by the hot pixels.
  expect(image.data[50 * 100 + 50]).toBeGreaterThan(0.3);
  expect(image.data[50 * 100 + 50]).toBeLessThan(0.7);
});

test('a flat image becomes mid-grey instead of dividing by zero', () => {
  const { image } = percentileStretch(imageFrom(4, 4, () => 0.2));
  expect(Array.from(image.data).every((v) => v === 0.5)).toBe(true);
});
