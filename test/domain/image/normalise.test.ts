import { ValidationError } from '../../../lambdas/domain/errors.js';
import { clahe } from '../../../lambdas/domain/image/clahe.js';
import { gaussianBlur } from '../../../lambdas/domain/image/gaussian.js';
import { percentileStretch } from '../../../lambdas/domain/image/intensity.js';
import { normalise } from '../../../lambdas/domain/image/normalise.js';
import { imageFrom, noise, valueRange } from './helpers.js';

const rnd = noise(11);
const dim = imageFrom(96, 80, (x, y) => 0.2 + 0.05 * Math.sin(x * 0.3) * Math.cos(y * 0.2) + 0.01 * rnd());

test('defaults run every step, fill the 0..1 range and report the parameters used', () => {
  const { image, parameters } = normalise(dim);
  expect([image.width, image.height]).toEqual([96, 80]);
  expect(valueRange(image.data)).toEqual([0, 1]);
  expect(parameters).toMatchObject({
    denoise: { sigma: 1 },
    clahe: { tilesX: 8, tilesY: 8, clipLimit: 2, bins: 256 },
    intensity: { lowPercent: 0.5, highPercent: 99.5 },
  });
  expect(parameters.intensityRange!.high).toBeGreaterThan(parameters.intensityRange!.low);
});

test('every step can be disabled; with all off the image is an unchanged copy', () => {
  const { image, parameters } = normalise(dim, { denoise: false, clahe: false, intensity: false });
  expect(parameters).toEqual({ denoise: false, clahe: false, intensity: false });
  expect(image.data).not.toBe(dim.data);
  expect(Array.from(image.data)).toEqual(Array.from(dim.data));
});

test('steps change the result independently', () => {
  const onlyStretch = normalise(dim, { denoise: false, clahe: false }).image.data;
  const withDenoise = normalise(dim, { clahe: false }).image.data;
  expect(Array.from(onlyStretch)).not.toEqual(Array.from(withDenoise));
});

test('partial options take defaults for the rest', () => {
  expect(normalise(dim, { clahe: { clipLimit: 3 } }).parameters.clahe).toEqual({ tilesX: 8, tilesY: 8, clipLimit: 3, bins: 256 });
});

test('invalid options are a ValidationError naming the field', () => {
  expect(() => normalise(dim, { denoise: { sigma: -1 } })).toThrow(ValidationError);
  expect(() => normalise(dim, { intensity: { lowPercent: 90, highPercent: 10 } })).toThrow(/lowPercent/);
  expect(() => normalise(dim, { clahe: { tilesX: 0 } })).toThrow(/clahe\.tilesX/);
});

test('a 4096x4096 image goes through', () => {
  const big = imageFrom(4096, 4096, (x, y) => ((x ^ y) & 255) / 255);
  const { image } = normalise(big);
  expect(image.data.length).toBe(4096 * 4096);
  expect(Number.isFinite(image.data[4096 * 4096 - 1])).toBe(true);
});

test('steps after the first work in place on their own intermediates: the result is that of fresh copies, and the input is untouched', () => {
  const before = dim.data.slice();
  const chains = [
    [{}, (i: typeof dim) => percentileStretch(clahe(gaussianBlur(i, 1)), 0.5, 99.5).image],
    [{ denoise: false as const }, (i: typeof dim) => percentileStretch(clahe(i), 0.5, 99.5).image],
    [{ clahe: false as const }, (i: typeof dim) => percentileStretch(gaussianBlur(i, 1), 0.5, 99.5).image],
    [{ denoise: false as const, clahe: false as const }, (i: typeof dim) => percentileStretch(i, 0.5, 99.5).image],
  ] as const;
  for (const [options, fresh] of chains) {
    expect(normalise(dim, options).image.data).toEqual(fresh(dim).data);
    expect(dim.data).toEqual(before);
  }
});
