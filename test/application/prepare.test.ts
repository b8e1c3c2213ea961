import { prepareForProfile, prepareImage, resolvePixelSize } from '../../lambdas/application/prepare.js';
import { DEFAULT_SCORING_SETTINGS } from '../../lambdas/domain/profile/settings.js';
import { IngestError } from '../../lambdas/domain/errors.js';
import { createGreyImage, type GreyImage } from '../../lambdas/domain/image/grey-image.js';
import { normalise, normaliseOptionsSchema } from '../../lambdas/domain/image/normalise.js';

function image(width: number, height: number): GreyImage {
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 101) / 100;
  return createGreyImage(width, height, data);
}

/** The normalisation a profile records by default (denoise, CLAHE, stretch: DEFAULT_SCORING_SETTINGS.normalise). */
const PROFILE_NORMALISE = normaliseOptionsSchema.parse({});

describe('pixel size and preparation', () => {
  test('pixel size: caller > file > metadata > profile, else unknown', () => {
    expect(resolvePixelSize({ caller: 0.2, file: 0.3, metadata: 0.4, profile: 0.5 })).toEqual({ pixelSizeUm: 0.2, source: 'caller' });
    expect(resolvePixelSize({ file: 0.3, metadata: 0.4, profile: 0.5 })).toEqual({ pixelSizeUm: 0.3, source: 'file' });
    expect(resolvePixelSize({ metadata: 0.4, profile: 0.5 })).toEqual({ pixelSizeUm: 0.4, source: 'metadata' });
    expect(resolvePixelSize({ profile: 0.5 })).toEqual({ pixelSizeUm: 0.5, source: 'profile' });
    expect(resolvePixelSize({ profile: null, caller: Number.NaN })).toEqual({ source: 'unknown' });
  });

  test('resamples to the profile pixel size only when both are known and differ', () => {
    expect(prepareImage(image(128, 64), 0.25, 0.5, PROFILE_NORMALISE).width).toBe(64);
    expect(prepareImage(image(128, 64), 1, 0.5, PROFILE_NORMALISE).height).toBe(128);
    expect(prepareImage(image(128, 64), 0.5, 0.5, PROFILE_NORMALISE).width).toBe(128);
    expect(prepareImage(image(128, 64), 0.5 * (1 + 1e-4), 0.5, PROFILE_NORMALISE).width).toBe(128); // rounding noise in tags
    expect(prepareImage(image(128, 64), undefined, 0.5, PROFILE_NORMALISE).width).toBe(128);
    expect(prepareImage(image(128, 64), 0.25, null, PROFILE_NORMALISE).width).toBe(128);
  });

  test('normalises with the options given (the profile\'s), or not at all with false', () => {
    const original = image(64, 32);
    const options = { ...PROFILE_NORMALISE, clahe: false } as const;
    expect(Array.from(prepareImage(original, 0.5, 0.5, options).data)).toEqual(Array.from(normalise(original, options).image.data));
    expect(Array.from(prepareImage(original, 0.5, 0.5, PROFILE_NORMALISE).data)).toEqual(Array.from(normalise(original, PROFILE_NORMALISE).image.data));
    expect(Array.from(prepareImage(original, 0.5, 0.5, PROFILE_NORMALISE).data)).not.toEqual(Array.from(original.data));
    const untouched = prepareImage(original, 0.5, 0.5, false);
    expect(Array.from(untouched.data)).toEqual(Array.from(original.data));
    const resampledOnly = prepareImage(original, 1, 0.5, false);
    expect([resampledOnly.width, resampledOnly.height]).toEqual([128, 64]);
  });

  test('a declared pixel size that would resample beyond limits.maxPixels is refused as too_many_pixels', () => {
    const limits = { maxPixels: 256 * 128 };
    // 128×64 at 1 µm/px onto a 0.5 µm/px profile is 256×128: exactly at the limit, accepted.
    expect(prepareImage(image(128, 64), 1, 0.5, false, limits).width).toBe(256);
    // At 10 µm/px it would become 2560×1280: refused before any resampling.
    const refused = (() => {
      try {
        prepareImage(image(128, 64), 10, 0.5, PROFILE_NORMALISE, limits);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(IngestError);
    expect(refused).toMatchObject({ code: 'too_many_pixels', status: 413, details: { pixels: 2560 * 1280, limit: 256 * 128, pixelSizeUm: 10, profilePixelSizeUm: 0.5 } });
    // Shrinking stays within it, and without limits nothing is refused.
    expect(prepareImage(image(128, 64), 0.25, 0.5, false, limits).width).toBe(64);
    expect(prepareImage(image(128, 64), 10, 0.5, false).width).toBe(1280 * 2);
  });

  test('the issue\'s pixel-size bombs: 1e9 µm/px is too_many_pixels, 1e-9 is image_too_small, both before any allocation', () => {
    const limits = { maxPixels: 64 * 1024 * 1024 };
    const started = performance.now();
    expect(() => prepareImage(image(256, 256), 1e9, 0.1, PROFILE_NORMALISE, limits)).toThrow(expect.objectContaining({ code: 'too_many_pixels' }));
    // ?pixelSizeUm=4 on a 256² image with a 0.1 µm/px profile: 10240² (105 MP), over 64 MP.
    expect(() => prepareImage(image(256, 256), 4, 0.1, PROFILE_NORMALISE, limits)).toThrow(expect.objectContaining({ code: 'too_many_pixels' }));
    expect(() => prepareImage(image(256, 256), 1e-9, 0.1, PROFILE_NORMALISE, limits)).toThrow(expect.objectContaining({ code: 'image_too_small', status: 422 }));
    expect(() => prepareImage(image(256, 256), 0.01, 0.1, PROFILE_NORMALISE, limits)).toThrow(/resampled to the profile's 0.1 µm\/px, the image is 26 x 26 px/);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('the working scale resizes the patch path in the same resampling as the pixel size, within the same limits', () => {
    expect([prepareImage(image(128, 64), undefined, null, false, undefined, 2).width, prepareImage(image(128, 64), undefined, null, false, undefined, 2).height]).toEqual([256, 128]);
    // 0.25 µm/px onto a 0.5 µm/px profile halves it, the working scale 2 doubles it back: one resampling, no change.
    expect(Array.from(prepareImage(image(128, 64), 0.25, 0.5, false, undefined, 2).data)).toEqual(Array.from(image(128, 64).data));
    expect(prepareImage(image(128, 64), 1, 0.5, false, undefined, 0.5).width).toBe(128);
    expect(() => prepareImage(image(128, 64), undefined, null, false, { maxPixels: 128 * 64 }, 2))
      .toThrow(expect.objectContaining({ code: 'too_many_pixels', details: { workingScale: 2, pixels: 256 * 128, limit: 128 * 64 } }));
    expect(() => prepareImage(image(64, 64), undefined, null, false, undefined, 0.25)).toThrow(expect.objectContaining({ code: 'image_too_small' }));
  });

  test('prepareForProfile: the patch path at the working scale, the density at the profile\'s pixel size', () => {
    const settings = { ...DEFAULT_SCORING_SETTINGS, workingScale: 1.5 };
    const prepared = prepareForProfile(image(128, 64), undefined, null, settings);
    expect([prepared.image.width, prepared.image.height]).toEqual([192, 96]);
    expect([prepared.density!.width, prepared.density!.height]).toEqual([128, 64]);
    // Exactly what inspection's normalise and density stages make of the same upload.
    expect(Array.from(prepared.image.data)).toEqual(Array.from(prepareImage(image(128, 64), undefined, null, settings.normalise, undefined, 1.5).data));
    expect(Array.from(prepared.density!.data)).toEqual(Array.from(prepareImage(image(128, 64), undefined, null, settings.density.normalise).data));
  });
});

