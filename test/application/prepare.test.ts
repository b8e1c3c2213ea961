import { prepareImage, resolvePixelSize } from '../../lambdas/application/prepare.js';
import { createGreyImage } from '../../lambdas/domain/image/grey-image.js';
import type { DecodedImage } from '../../lambdas/ports/image-codec.js';

function decoded(width: number, height: number): DecodedImage {
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 101) / 100;
  return { image: createGreyImage(width, height, data), format: 'png', bitDepth: 8, channels: 1, pages: 1, warnings: [] };
}

describe('pixel size and preparation', () => {
  test('pixel size: caller > file > metadata > profile, else unknown', () => {
    expect(resolvePixelSize({ caller: 0.2, file: 0.3, metadata: 0.4, profile: 0.5 })).toEqual({ pixelSizeUm: 0.2, source: 'caller' });
    expect(resolvePixelSize({ file: 0.3, metadata: 0.4, profile: 0.5 })).toEqual({ pixelSizeUm: 0.3, source: 'file' });
    expect(resolvePixelSize({ metadata: 0.4, profile: 0.5 })).toEqual({ pixelSizeUm: 0.4, source: 'metadata' });
    expect(resolvePixelSize({ profile: 0.5 })).toEqual({ pixelSizeUm: 0.5, source: 'profile' });
    expect(resolvePixelSize({ profile: null, caller: Number.NaN })).toEqual({ source: 'unknown' });
  });

  test('resamples to the profile pixel size only when both are known and differ', () => {
    expect(prepareImage(decoded(64, 32), 0.25, 0.5).width).toBe(32);
    expect(prepareImage(decoded(64, 32), 1, 0.5).height).toBe(64);
    expect(prepareImage(decoded(64, 32), 0.5, 0.5).width).toBe(64);
    expect(prepareImage(decoded(64, 32), undefined, 0.5).width).toBe(64);
    expect(prepareImage(decoded(64, 32), 0.25, null).width).toBe(64);
  });
});
