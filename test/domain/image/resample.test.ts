import { resampleByScale, resampleToPixelSize, resize } from '../../../lambdas/domain/image/resample.js';
import { imageFrom, mean, noise } from './helpers.js';

const rnd = noise(3);
const textured = imageFrom(64, 48, (x, y) => 0.5 + 0.3 * Math.sin(x * 0.9) * Math.cos(y * 0.4) + 0.1 * rnd());

test('halving by area averaging: size, exact block means, mean preserved', () => {
  const half = resampleByScale(textured, 0.5);
  expect([half.width, half.height]).toEqual([32, 24]);
  const block = (textured.data[0] + textured.data[1] + textured.data[64] + textured.data[65]) / 4;
  expect(half.data[0]).toBeCloseTo(block, 5);
  expect(mean(half.data)).toBeCloseTo(mean(textured.data), 5);
});

test('doubling by bilinear interpolation: size and mean preserved', () => {
  const smooth = imageFrom(32, 24, (x, y) => 0.2 + 0.01 * x + 0.02 * y);
  const double = resampleByScale(smooth, 2);
  expect([double.width, double.height]).toEqual([64, 48]);
  expect(mean(double.data)).toBeCloseTo(mean(smooth.data), 2);
  // Interior samples lie on the same plane.
  expect(double.data[20 * 64 + 30]).toBeCloseTo(0.2 + 0.01 * ((30 + 0.5) / 2 - 0.5) + 0.02 * ((20 + 0.5) / 2 - 0.5), 5);
});

test('non-integer shrink keeps the mean', () => {
  const out = resize(textured, 23, 17);
  expect([out.width, out.height]).toEqual([23, 17]);
  expect(mean(out.data)).toBeCloseTo(mean(textured.data), 4);
});

test('resampleToPixelSize: a 0.25 µm/px image brought to a 0.5 µm/px profile halves each side', () => {
  const out = resampleToPixelSize(textured, 0.25, 0.5);
  expect([out.width, out.height]).toEqual([32, 24]);
  const back = resampleToPixelSize(out, 0.5, 0.25);
  expect([back.width, back.height]).toEqual([64, 48]);
  expect(() => resampleToPixelSize(textured, 0, 0.5)).toThrow(RangeError);
});
