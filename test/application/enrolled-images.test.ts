import { enrolledImagesPage, thumbnailImage, THUMBNAIL_SIDE } from '../../lambdas/application/enrolled-images.js';
import { createGreyImage } from '../../lambdas/domain/image/grey-image.js';
import type { EnrolledSource } from '../../lambdas/domain/profile/profile.js';

test('a thumbnail fits THUMBNAIL_SIDE on its longer side, keeps the aspect and the mean; small images stay as they are', () => {
  const big = createGreyImage(1024, 512, Float32Array.from({ length: 1024 * 512 }, (_, i) => ((i % 1024) + Math.floor(i / 1024)) % 2));
  const thumb = thumbnailImage(big);
  expect([thumb.width, thumb.height]).toEqual([THUMBNAIL_SIDE, THUMBNAIL_SIDE / 2]);
  // A one-pixel checkerboard averages to grey rather than aliasing to black or white.
  expect(Math.min(...thumb.data)).toBeGreaterThan(0.45);
  expect(Math.max(...thumb.data)).toBeLessThan(0.55);
  const small = createGreyImage(100, 40);
  expect(thumbnailImage(small)).toBe(small);
});

test('pages of enrolled images: in enrolment order, by role, with a cursor until the end', () => {
  const sources: EnrolledSource[] = Array.from({ length: 7 }, (_, i) => ({ name: `n${i}.png`, sha256: String(i).repeat(64), role: i % 3 === 2 ? 'calibration' : 'bank' }));
  const first = enrolledImagesPage(sources, { limit: 3 });
  expect(first).toEqual({ items: sources.slice(0, 3), next: '3' });
  expect(enrolledImagesPage(sources, { limit: 3, cursor: '6' })).toEqual({ items: sources.slice(6), next: null });
  expect(enrolledImagesPage(sources, { limit: 3, cursor: '9' })).toEqual({ items: [], next: null });
  const calibration = enrolledImagesPage(sources, { role: 'calibration', limit: 1 });
  expect(calibration).toEqual({ items: [sources[2]], next: '1' });
  expect(enrolledImagesPage(sources, { role: 'calibration', limit: 1, cursor: '1' })).toEqual({ items: [sources[5]], next: null });
});
