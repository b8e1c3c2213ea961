/**
 * The micrograph viewer: image layers (base, phases, heatmap) stacked on one canvas with pan and zoom, region
 * outlines drawn as vectors with their labels.
 *
 * Large images load progressively: an overview (at most OVERVIEW px on its longer side) is decoded and drawn first;
 * then, for images larger than that, the full-resolution image is decoded and cut into TILE² tiles, and only the
 * tiles in view are drawn once the zoom asks for more detail than the overview has. So a 4k or 8k micrograph shows
 * at once and pans without drawing what is off screen.
 *
 * Mouse: drag to pan, wheel to zoom at the pointer, double-click to zoom in. Touch: one finger pans, two pinch.
 * Keyboard (the canvas takes focus): arrows pan, + and - zoom, 0 fits, 1 shows 1:1.
 */

export const OVERVIEW = 2048;
export const TILE = 1024;
/** Region labels drawn at most at once (the regions table lists them all). */
const MAX_LABELS = 12;

export interface Pyramid {
  readonly width: number;
  readonly height: number;
  readonly overview: ImageBitmap;
  /** Full-resolution tiles, row-major, once decoded (undefined while loading or when the overview is the full image). */
  tiles?: { x: number; y: number; w: number; h: number; bitmap: ImageBitmap }[];
  /** True once the full resolution is available (the overview is it, or the tiles are ready). */
  full: boolean;
}

/** Decodes an image progressively: `onOverview` as soon as the overview exists, the promise when the tiles do. */
export async function loadPyramid(blob: Blob, onOverview?: (p: Pyramid) => void): Promise<Pyramid> {
  const first = await createImageBitmap(blob);
  const { width, height } = first;
  if (Math.max(width, height) <= OVERVIEW) {
    const pyramid: Pyramid = { width, height, overview: first, full: true };
    onOverview?.(pyramid);
    return pyramid;
  }
  const scale = OVERVIEW / Math.max(width, height);
  const overview = await createImageBitmap(first, { resizeWidth: Math.round(width * scale), resizeHeight: Math.round(height * scale), resizeQuality: 'medium' });
  const pyramid: Pyramid = { width, height, overview, full: false };
  onOverview?.(pyramid);
  const tiles: NonNullable<Pyramid['tiles']> = [];
  for (let y = 0; y < height; y += TILE) {
    for (let x = 0; x < width; x += TILE) {
      const w = Math.min(TILE, width - x);
      const hh = Math.min(TILE, height - y);
      tiles.push({ x, y, w, h: hh, bitmap: await createImageBitmap(first, x, y, w, hh) });
    }
  }
  first.close();
  pyramid.tiles = tiles;
  pyramid.full = true;
  return pyramid;
}

export interface ViewerRegion {
  readonly id: number;
  readonly bbox: { x: number; y: number; width: number; height: number };
  readonly label: string;
}

interface Layer {
  pyramid?: Pyramid;
  opacity: number;
  visible: boolean;
}

const LAYER_ORDER = ['base', 'phases', 'heatmap'] as const;
export type LayerName = (typeof LAYER_ORDER)[number];

export class MicrographViewer {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly layers: Record<LayerName, Layer> = {
    base: { opacity: 1, visible: true },
    phases: { opacity: 1, visible: false },
    heatmap: { opacity: 0.5, visible: true },
  };
  private regions: ViewerRegion[] = [];
  private showRegions = true;
  private selected: number | undefined;
  private scale = 1;
  private tx = 0;
  private ty = 0;
  private fitted = true;
  private readonly pointers = new Map<number, { x: number; y: number }>();
  private pinch: { distance: number; scale: number } | undefined;
  private frame = 0;
  private readonly resizeObserver: ResizeObserver;
  onZoom?: (scale: number) => void;

  constructor(readonly imageWidth: number, readonly imageHeight: number, label: string) {
    this.canvas = document.createElement('canvas');
    this.canvas.tabIndex = 0;
    this.canvas.className = 'viewer-canvas';
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', label);
    this.canvas.setAttribute('aria-describedby', 'viewer-keys');
    this.element = document.createElement('div');
    this.element.className = 'viewer';
    this.element.appendChild(this.canvas);
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: false })!;
    this.resizeObserver = new ResizeObserver(() => {
      this.resize();
    });
    this.resizeObserver.observe(this.element);
    this.bindInput();
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    for (const layer of Object.values(this.layers)) {
      layer.pyramid?.overview.close();
      layer.pyramid?.tiles?.forEach((t) => t.bitmap.close());
    }
  }

  setLayer(name: LayerName, pyramid: Pyramid): void {
    this.layers[name].pyramid = pyramid;
    this.requestDraw();
  }

  pyramidOf(name: LayerName): Pyramid | undefined {
    return this.layers[name].pyramid;
  }

  setOpacity(name: LayerName, opacity: number): void {
    this.layers[name].opacity = opacity;
    this.requestDraw();
  }

  setVisible(name: LayerName, visible: boolean): void {
    this.layers[name].visible = visible;
    this.requestDraw();
  }

  setRegions(regions: ViewerRegion[]): void {
    this.regions = regions;
    this.requestDraw();
  }

  setShowRegions(show: boolean): void {
    this.showRegions = show;
    this.requestDraw();
  }

  /** Centres a box of the image and zooms so it fills about a third of the view. */
  focusBox(box: { x: number; y: number; width: number; height: number }, regionId?: number): void {
    this.selected = regionId;
    const { w, h } = this.viewSize();
    const scale = Math.min(w / (box.width * 3), h / (box.height * 3), 8);
    this.scale = Math.max(scale, this.fitScale());
    this.tx = w / 2 - (box.x + box.width / 2) * this.scale;
    this.ty = h / 2 - (box.y + box.height / 2) * this.scale;
    this.fitted = false;
    this.clamp();
    this.changed();
  }

  fit(): void {
    const { w, h } = this.viewSize();
    this.scale = this.fitScale();
    this.tx = (w - this.imageWidth * this.scale) / 2;
    this.ty = (h - this.imageHeight * this.scale) / 2;
    this.fitted = true;
    this.changed();
  }

  /** 1 image pixel = 1 screen pixel, centred on what is in the middle now. */
  actualSize(): void {
    const { w, h } = this.viewSize();
    this.zoomAt(1 / this.devicePixelScale() / this.scale, w / 2, h / 2);
  }

  zoomAt(factor: number, cx: number, cy: number): void {
    const next = Math.min(Math.max(this.scale * factor, this.fitScale() * 0.5), 32);
    const f = next / this.scale;
    this.tx = cx - (cx - this.tx) * f;
    this.ty = cy - (cy - this.ty) * f;
    this.scale = next;
    this.fitted = false;
    this.clamp();
    this.changed();
  }

  panBy(dx: number, dy: number): void {
    this.tx += dx;
    this.ty += dy;
    this.fitted = false;
    this.clamp();
    this.changed();
  }

  /** Zoom as screen (CSS) pixels per image pixel. */
  get zoom(): number {
    return this.scale * this.devicePixelScale();
  }

  private devicePixelScale(): number {
    return 1 / (window.devicePixelRatio || 1);
  }

  private viewSize(): { w: number; h: number } {
    return { w: this.canvas.width || 1, h: this.canvas.height || 1 };
  }

  private fitScale(): number {
    const { w, h } = this.viewSize();
    return Math.min(w / this.imageWidth, h / this.imageHeight);
  }

  private clamp(): void {
    const { w, h } = this.viewSize();
    const iw = this.imageWidth * this.scale;
    const ih = this.imageHeight * this.scale;
    const margin = 0.5;
    this.tx = iw < w ? Math.min(Math.max(this.tx, -iw * margin), w - iw * (1 - margin)) : Math.min(Math.max(this.tx, w - iw - w * margin), w * margin);
    this.ty = ih < h ? Math.min(Math.max(this.ty, -ih * margin), h - ih * (1 - margin)) : Math.min(Math.max(this.ty, h - ih - h * margin), h * margin);
  }

  private changed(): void {
    this.onZoom?.(this.zoom);
    this.requestDraw();
  }

  private resize(): void {
    const rect = this.element.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(rect.width * dpr));
    const h = Math.max(1, Math.round(rect.height * dpr));
    if (w === this.canvas.width && h === this.canvas.height) return;
    this.canvas.width = w;
    this.canvas.height = h;
    if (this.fitted) this.fit();
    else {
      this.clamp();
      this.requestDraw();
    }
  }

  requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Draws now (tests and screenshots call it through requestDraw's frame). */
  draw(): void {
    const ctx = this.ctx;
    const { w, h } = this.viewSize();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = 1;
    ctx.fillStyle = '#20252b';
    ctx.fillRect(0, 0, w, h);
    // Past 2 screen pixels per image pixel, show the pixels as they are.
    ctx.imageSmoothingEnabled = this.scale < 2;
    ctx.imageSmoothingQuality = 'high';
    for (const name of LAYER_ORDER) {
      const layer = this.layers[name];
      if (!layer.visible || !layer.pyramid || layer.opacity <= 0) continue;
      ctx.globalAlpha = layer.opacity;
      this.drawPyramid(layer.pyramid);
    }
    ctx.globalAlpha = 1;
    if (this.showRegions) this.drawRegions();
  }

  private drawPyramid(p: Pyramid): void {
    const ctx = this.ctx;
    const sx = this.imageWidth / p.width;
    const sy = this.imageHeight / p.height;
    const scaleX = this.scale * sx;
    const scaleY = this.scale * sy;
    const overviewEnough = p.overview.width >= p.width * scaleX * 0.99;
    if (!p.tiles || overviewEnough) {
      ctx.drawImage(p.overview, this.tx, this.ty, p.width * scaleX, p.height * scaleY);
      return;
    }
    const { w, h } = this.viewSize();
    for (const t of p.tiles) {
      // Edges rounded to device pixels: neighbouring tiles meet exactly (no gap, no overlap drawn twice).
      const x0 = Math.round(this.tx + t.x * scaleX);
      const y0 = Math.round(this.ty + t.y * scaleY);
      const x1 = Math.round(this.tx + (t.x + t.w) * scaleX);
      const y1 = Math.round(this.ty + (t.y + t.h) * scaleY);
      if (x0 > w || y0 > h || x1 < 0 || y1 < 0) continue;
      ctx.drawImage(t.bitmap, x0, y0, x1 - x0, y1 - y0);
    }
  }

  /**
   * Outlines every region in view; labels the largest-scoring ones that have room (at most MAX_LABELS, none
   * overlapping another), and always the selected one, so a large image with many small regions stays legible.
   */
  private drawRegions(): void {
    const ctx = this.ctx;
    const dpr = window.devicePixelRatio || 1;
    const { w, h } = this.viewSize();
    ctx.font = `${Math.round(12 * dpr)}px system-ui, sans-serif`;
    ctx.textBaseline = 'top';
    const boxes = this.regions.map((region) => ({
      region,
      x: this.tx + region.bbox.x * this.scale,
      y: this.ty + region.bbox.y * this.scale,
      w: region.bbox.width * this.scale,
      h: region.bbox.height * this.scale,
    })).filter((b) => b.x < w && b.y < h && b.x + b.w > 0 && b.y + b.h > 0);
    for (const b of boxes) {
      const selected = b.region.id === this.selected;
      ctx.lineWidth = (selected ? 3 : 2) * dpr;
      ctx.strokeStyle = '#000000';
      ctx.strokeRect(b.x - dpr, b.y - dpr, b.w + 2 * dpr, b.h + 2 * dpr);
      ctx.strokeStyle = selected ? '#ffe14d' : '#00e5ff';
      ctx.strokeRect(b.x, b.y, b.w, b.h);
    }
    const placed: { x: number; y: number; w: number; h: number }[] = [];
    const order = [...boxes].sort((a, b) => Number(b.region.id === this.selected) - Number(a.region.id === this.selected) || a.region.id - b.region.id);
    let labels = 0;
    for (const b of order) {
      const selected = b.region.id === this.selected;
      if (!selected && labels >= MAX_LABELS) break;
      const pad = 3 * dpr;
      const tw = ctx.measureText(b.region.label).width + pad * 2;
      const th = 16 * dpr;
      const ly = b.y - th - 2 * dpr >= 0 ? b.y - th - 2 * dpr : b.y + b.h + 2 * dpr;
      const lx = Math.max(0, Math.min(b.x, w - tw));
      const rect = { x: lx, y: ly, w: tw, h: th };
      if (!selected && placed.some((p) => p.x < rect.x + rect.w && rect.x < p.x + p.w && p.y < rect.y + rect.h && rect.y < p.y + p.h)) continue;
      placed.push(rect);
      labels += 1;
      ctx.fillStyle = 'rgba(0, 0, 0, 0.78)';
      ctx.fillRect(lx, ly, tw, th);
      ctx.fillStyle = selected ? '#ffe14d' : '#ffffff';
      ctx.fillText(b.region.label, lx + pad, ly + 2 * dpr);
    }
  }

  private bindInput(): void {
    const c = this.canvas;
    const dpr = () => window.devicePixelRatio || 1;
    const local = (e: { clientX: number; clientY: number }) => {
      const r = c.getBoundingClientRect();
      return { x: (e.clientX - r.left) * dpr(), y: (e.clientY - r.top) * dpr() };
    };
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const p = local(e);
      this.zoomAt(Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), p.x, p.y);
    }, { passive: false });
    c.addEventListener('dblclick', (e) => {
      const p = local(e);
      this.zoomAt(e.shiftKey ? 0.5 : 2, p.x, p.y);
    });
    c.addEventListener('pointerdown', (e) => {
      c.setPointerCapture(e.pointerId);
      this.pointers.set(e.pointerId, local(e));
      if (this.pointers.size === 2) {
        const [a, b] = [...this.pointers.values()] as [{ x: number; y: number }, { x: number; y: number }];
        this.pinch = { distance: Math.hypot(a.x - b.x, a.y - b.y), scale: this.scale };
      }
    });
    c.addEventListener('pointermove', (e) => {
      const before = this.pointers.get(e.pointerId);
      if (!before) return;
      const now = local(e);
      this.pointers.set(e.pointerId, now);
      if (this.pointers.size === 2 && this.pinch) {
        const [a, b] = [...this.pointers.values()] as [{ x: number; y: number }, { x: number; y: number }];
        const distance = Math.hypot(a.x - b.x, a.y - b.y);
        const target = this.pinch.scale * (distance / Math.max(this.pinch.distance, 1));
        this.zoomAt(target / this.scale, (a.x + b.x) / 2, (a.y + b.y) / 2);
      } else if (this.pointers.size === 1) {
        this.panBy(now.x - before.x, now.y - before.y);
      }
    });
    const up = (e: PointerEvent) => {
      this.pointers.delete(e.pointerId);
      if (this.pointers.size < 2) this.pinch = undefined;
    };
    c.addEventListener('pointerup', up);
    c.addEventListener('pointercancel', up);
    c.addEventListener('keydown', (e) => {
      const step = 60 * dpr();
      const { w, h } = this.viewSize();
      const keys: Record<string, () => void> = {
        ArrowLeft: () => this.panBy(step, 0),
        ArrowRight: () => this.panBy(-step, 0),
        ArrowUp: () => this.panBy(0, step),
        ArrowDown: () => this.panBy(0, -step),
        '+': () => this.zoomAt(1.25, w / 2, h / 2),
        '=': () => this.zoomAt(1.25, w / 2, h / 2),
        '-': () => this.zoomAt(0.8, w / 2, h / 2),
        '0': () => this.fit(),
        '1': () => this.actualSize(),
      };
      const action = keys[e.key];
      if (action && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        action();
      }
    });
  }
}
