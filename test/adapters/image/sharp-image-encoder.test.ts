import sharp from 'sharp';
import { SharpImageEncoder } from '../../../lambdas/adapters/image/sharp-image-encoder.js';
import { createGreyImage } from '../../../lambdas/domain/image/grey-image.js';

const encoder = new SharpImageEncoder();

test('grey 0..1 becomes an 8-bit grey PNG (clamped, rounded)', async () => {
  const image = createGreyImage(4, 1, Float32Array.from([0, 0.5, 1, 1.7]));
  const png = await encoder.encodePng(image);
  expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 4, height: 1, channels: 1, depth: 'uchar' });
  const { data } = await sharp(png).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  expect(Array.from(data)).toEqual([0, 128, 255, 255]);
});

test('RGBA round-trips exactly', async () => {
  const rgba = Uint8ClampedArray.from([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 40]);
  const png = await encoder.encodePng({ width: 2, height: 2, data: rgba });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(4);
  expect(Array.from(data)).toEqual(Array.from(rgba));
});

test('RGBA with the wrong length is refused', async () => {
  await expect(encoder.encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(15) })).rejects.toThrow(/expected 16/);
});

test('an opaque RGBA image (every rendered map) is written as RGB: the same pixels, a quarter less data', async () => {
  const rgba = Uint8ClampedArray.from({ length: 64 * 64 * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));
  const png = await encoder.encodePng({ width: 64, height: 64, data: rgba });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  expect(Array.from(data)).toEqual(Array.from(rgba).filter((_, i) => i % 4 !== 3));
});
