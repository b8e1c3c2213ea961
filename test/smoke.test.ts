import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import middy from '@middy/core';

test('native addons load under jest ESM', async () => {
  const t = new ort.Tensor('float32', new Float32Array(4), [1, 4]);
  expect(t.dims).toEqual([1, 4]);
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: "#000" } }).png().toBuffer();
  expect(png.length).toBeGreaterThan(10);
  expect(typeof middy).toBe('function');
});
