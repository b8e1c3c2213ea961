/** Small previews of a report's overlay, drawn into canvases when they scroll into view; cached per link. */
import { fetchBlob } from './api/client.js';

const cache = new Map<string, Promise<ImageBitmap>>();
const SIZE = 72;

function thumbnail(link: string): Promise<ImageBitmap> {
  let entry = cache.get(link);
  if (!entry) {
    entry = fetchBlob(link).then(async (blob) => {
      const full = await createImageBitmap(blob);
      const scale = SIZE * (window.devicePixelRatio || 1) / Math.max(full.width, full.height);
      const small = await createImageBitmap(full, { resizeWidth: Math.max(1, Math.round(full.width * scale)), resizeHeight: Math.max(1, Math.round(full.height * scale)), resizeQuality: 'medium' });
      full.close();
      return small;
    });
    entry.catch(() => cache.delete(link));
    cache.set(link, entry);
  }
  return entry;
}

let observer: IntersectionObserver | undefined;
const pending = new WeakMap<Element, string>();

/** A canvas that shows the image behind `link` once visible; `label` is its accessible name. */
export function thumbCanvas(link: string | undefined, label: string): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  const dpr = window.devicePixelRatio || 1;
  canvas.width = SIZE * dpr;
  canvas.height = SIZE * dpr;
  canvas.className = 'thumb';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  if (!link) return canvas;
  observer ??= new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const target = entry.target as HTMLCanvasElement;
      observer!.unobserve(target);
      const l = pending.get(target);
      if (!l) continue;
      thumbnail(l).then((bitmap) => {
        const ctx = target.getContext('2d')!;
        const x = (target.width - bitmap.width) / 2;
        const y = (target.height - bitmap.height) / 2;
        ctx.drawImage(bitmap, x, y);
        target.dataset.loaded = 'true';
      }, () => {
        target.dataset.loaded = 'error';
      });
    }
  }, { rootMargin: '200px' });
  pending.set(canvas, link);
  observer.observe(canvas);
  return canvas;
}
