import type { GreyImage } from '../domain/image/grey-image.js';
import { resize } from '../domain/image/resample.js';
import type { EnrolledSource } from '../domain/profile/profile.js';

/**
 * The images a profile version was enrolled from, for people to look at: their records a page at a time, and a
 * small grey PNG of each that enrolment writes beside the source bytes (a browser cannot show a TIFF or 16-bit
 * source, and a thumbnail is tens of kB where the source may be tens of MB).
 */

/** Longer side of a thumbnail in pixels: sharp at 128 CSS px on a 2× screen. */
export const THUMBNAIL_SIDE = 256;

/** Where enrolment keeps an image's thumbnail (by content hash, as the source: one per image whatever the version). */
export function enrolledThumbnailKey(tenant: string, profile: string, sha256: string): string {
  return `${tenant}/profiles/${profile}/thumbnails/${sha256}.png`;
}

/** The decoded image shrunk (area average) to fit THUMBNAIL_SIDE; smaller images stay as they are. */
export function thumbnailImage(image: GreyImage): GreyImage {
  const scale = THUMBNAIL_SIDE / Math.max(image.width, image.height);
  if (scale >= 1) return image;
  return resize(image, Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)));
}

export interface EnrolledImagesQuery {
  readonly role?: EnrolledSource['role'];
  readonly limit: number;
  /** The `next` of the previous page: how many matching images came before. */
  readonly cursor?: string;
}

/** One page of a version's images in enrolment order (a version never changes, so an offset is a stable cursor). */
export function enrolledImagesPage(sources: readonly EnrolledSource[], query: EnrolledImagesQuery): { items: EnrolledSource[]; next: string | null } {
  const matching = query.role ? sources.filter((s) => s.role === query.role) : sources;
  const start = query.cursor ? Number(query.cursor) : 0;
  const end = start + query.limit;
  return { items: matching.slice(start, end), next: end < matching.length ? String(end) : null };
}
