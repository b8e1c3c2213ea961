import { gaussianBlur, gaussianKernel } from '../../../lambdas/domain/image/gaussian.js';
import { imageFrom, noise, variance } from './helpers.js';

test('kernel is normalised and symmetric', () => {
  const k = gaussianKernel(1.5);
  expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  for (let i = 0; i < k.length; i++) expect(k[i]).toBeCloseTo(k[k.length - 1 - i], 7);
  expect(() => gaussianKernel(0)).toThrow(RangeError);
});

test('a constant image stays constant, borders included', () => {
  const out = gaussianBlur(imageFrom(13, 7, () => 0.37), 2);
  for (const v of out.data) expect(v).toBeCloseTo(0.37, 6);
});

test('reduces the variance of white noise and keeps the mean', () => {
  const rnd = noise(1);
  const img = imageFrom(64, 48, () => 0.5 + 0.2 * rnd());
  const out = gaussianBlur(img, 1);
  expect(variance(out.data)).toBeLessThan(variance(img.data) / 4);
  const sum = (d: Float32Array) => d.reduce((a, b) => a + b, 0);
  expect(sum(out.data) / out.data.length).toBeCloseTo(sum(img.data) / img.data.length, 3);
});

test('works on images narrower than the kernel', () => {
  const out = gaussianBlur(imageFrom(1, 3, (_x, y) => y), 3);
  expect(out.width).toBe(1);
  expect(Array.from(out.data).every(Number.isFinite)).toBe(true);
});
