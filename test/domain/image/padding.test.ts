import { crop, padToMultiple } from '../../../lambdas/domain/image/padding.js';
import { imageFrom } from './helpers.js';

test('pads to a multiple by mirroring and crops back to the original', () => {
  const img = imageFrom(10, 5, (x, y) => x + 100 * y);
  const padded = padToMultiple(img, 8);
  expect([padded.image.width, padded.image.height, padded.width, padded.height]).toEqual([16, 8, 10, 5]);
  // Mirror without repeating the edge: column 10 copies column 8, row 5 copies row 3.
  expect(padded.image.data[0 * 16 + 10]).toBe(8);
  expect(padded.image.data[5 * 16 + 0]).toBe(300);
  expect(Array.from(crop(padded.image, 10, 5).data)).toEqual(Array.from(img.data));
});

test('an image already at a multiple is unchanged', () => {
  const img = imageFrom(16, 8, (x, y) => x * y);
  expect(Array.from(padToMultiple(img, 8).image.data)).toEqual(Array.from(img.data));
});
