import sharp from 'sharp';
import { createRandom } from '../../lambdas/domain/synth/random.js';
import { gaussianBlur } from '../../lambdas/domain/image/gaussian.js';
import { createGreyImage, type GreyImage } from '../../lambdas/domain/image/grey-image.js';

/**
 * A "normal" microstructure texture for tests: smoothed random grains (bright blobs on a mid-grey matrix)
 * plus fine noise. Each seed gives a different image with the same statistics.
 */
export function grainTexture(size: number, seed: number): GreyImage {
  const rng = createRandom(seed);
  const noise = new Float32Array(size * size);
  for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
  const blobs = gaussianBlur(createGreyImage(size, size, noise), 2.5);
  // Normalise the blob field, then soft-threshold it into grains.
  let sum = 0, sq = 0;
  for (const v of blobs.data) { sum += v; sq += v * v; }
  const mean = sum / blobs.data.length;
  const std = Math.sqrt(sq / blobs.data.length - mean * mean) || 1;
  const out = new Float32Array(size * size);
  for (let i = 0; i < out.length; i++) {
    const z = (blobs.data[i]! - mean) / std;
    out[i] = 0.35 + 0.35 / (1 + Math.exp(-3 * z)) + 0.03 * rng.normal();
  }
  return createGreyImage(size, size, out);
}

/** A dark crack (thick line) from (x0,y0) to (x1,y1), drawn in place. */
export function drawCrack(image: GreyImage, x0: number, y0: number, x1: number, y1: number, halfWidth: number): void {
  const { width, data } = image;
  const dx = x1 - x0, dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < width; x++) {
      const t = Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / len2));
      const d = Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy));
      if (d <= halfWidth) data[y * width + x] = 0.03;
    }
  }
}

/** A dark void (disc), drawn in place. */
export function drawVoid(image: GreyImage, cx: number, cy: number, radius: number): void {
  const { width, data } = image;
  for (let y = Math.max(0, cy - radius); y < Math.min(image.height, cy + radius + 1); y++) {
    for (let x = Math.max(0, cx - radius); x < Math.min(width, cx + radius + 1); x++) {
      if (Math.hypot(x - cx, y - cy) <= radius) data[y * width + x] = 0.02;
    }
  }
}

export async function toPng(image: GreyImage): Promise<Uint8Array> {
  const bytes = new Uint8Array(image.width * image.height);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.max(0, Math.min(255, Math.round(image.data[i]! * 255)));
  return new Uint8Array(await sharp(bytes, { raw: { width: image.width, height: image.height, channels: 1 } }).png().toBuffer());
}
