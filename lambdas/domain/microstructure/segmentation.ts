import { gaussianBlur } from '../image/gaussian.js';
import { createGreyImage, type GreyImage } from '../image/grey-image.js';
import { labelComponents, type ComponentLabels } from './components.js';
import { keepLargeComponents, open } from './morphology.js';
import { threeClassThresholds } from './otsu.js';

/** Phase codes of a segmentation (the same codes as the generator's truth labels). */
export const PHASE_CODE = { carbon: 0, sulfur: 1, pore: 2 } as const;

export type Modality = 'sem' | 'optical' | 'afm';

export interface SegmentationSettings {
  /** Gaussian pre-smoothing against shot noise, px. */
  readonly smoothingSigmaPx: number;
  /** Remove a least-squares plane first (AFM tilt, SEM brightness ramps). */
  readonly levelPlane: boolean;
  /** Which phase the dark, mid and bright intensity classes are. */
  readonly classOrder: readonly [Phase, Phase, Phase];
  /** Opening radius for the bright phase (removes 1-2 px charging streaks); 0 = none. */
  readonly brightOpeningPx: number;
  /** Components smaller than this become matrix, px. */
  readonly minComponentPx: number;
  /** Side of the blocks over which the matrix brightness is averaged to remove slow drift; 0 = off. */
  readonly flattenBlockPx: number;
}

export type Phase = keyof typeof PHASE_CODE;

/**
 * Per-modality defaults.
 * - sem (backscatter): sulfur (higher Z) bright, carbon mid, pores dark; shot noise → smoothing σ 1 px.
 * - optical (reflected bright field): carbon absorbs and pores are shadowed, sulfur reflects; noise is low but
 *   the optics blur more, so less smoothing and a larger minimum size.
 * - afm (height map): particles stand proud (bright), pores are depressions (dark); the scan tilt is removed first.
 * SEM and optical brightness drifts slowly across the field (beam current, illumination): the matrix level is
 * measured block by block and levelled before the final thresholds.
 */
export const MODALITY_SETTINGS: Readonly<Record<Modality, SegmentationSettings>> = {
  sem: { smoothingSigmaPx: 1, levelPlane: false, classOrder: ['pore', 'carbon', 'sulfur'], brightOpeningPx: 1, minComponentPx: 8, flattenBlockPx: 64 },
  optical: { smoothingSigmaPx: 0.7, levelPlane: false, classOrder: ['pore', 'carbon', 'sulfur'], brightOpeningPx: 1, minComponentPx: 12, flattenBlockPx: 64 },
  afm: { smoothingSigmaPx: 0.8, levelPlane: true, classOrder: ['pore', 'carbon', 'sulfur'], brightOpeningPx: 0, minComponentPx: 8, flattenBlockPx: 0 },
};

export interface Segmentation {
  readonly width: number;
  readonly height: number;
  /** Per pixel PHASE_CODE. */
  readonly phases: Uint8Array;
  /**
   * Mean intensity of each sulfur component (indexed by its label) on the image actually thresholded (smoothed,
   * levelled), for the bright-inclusion check. Measured here so that the thresholded image itself can be collected
   * once segmentation returns (256 MB at 64 MP).
   */
  readonly sulfurMeans: Float64Array;
  readonly thresholds: { readonly low: number; readonly high: number };
  readonly classMeans: readonly [number, number, number];
  readonly fractions: { readonly sulfur: number; readonly carbon: number; readonly pore: number };
  /** 8-connected components of the dark and bright phases after clean-up (the mid phase is the matrix). */
  readonly components: Partial<Record<Phase, ComponentLabels>>;
}

export function segmentPhases(image: GreyImage, modality: Modality = 'sem', overrides: Partial<SegmentationSettings> = {}): Segmentation {
  const settings = { ...MODALITY_SETTINGS[modality], ...overrides };
  const { width, height } = image;
  const n = width * height;
  const classes = classify(image, settings);
  const [darkPhase, midPhase, brightPhase] = settings.classOrder;
  // The other class is labelled once the thresholded image (held only by classify) can be collected: at 64 MP that
  // is 256 MB that is not held beside the second label image.
  const darkComponents = classes.dark.labelled ?? keepLargeComponents(classes.dark.mask, width, height, settings.minComponentPx);
  const brightComponents = classes.bright.labelled ?? keepLargeComponents(classes.bright.mask, width, height, settings.minComponentPx);
  const phases = new Uint8Array(n);
  const counts = assignPhases(phases, darkComponents.labels, brightComponents.labels, PHASE_CODE[darkPhase], PHASE_CODE[midPhase], PHASE_CODE[brightPhase]);
  const components: Partial<Record<Phase, ComponentLabels>> = { [darkPhase]: darkComponents, [brightPhase]: brightComponents };
  let sulfurMeans = classes.sulfurMeans;
  if (!sulfurMeans) {
    // Sulfur as the mid class (a custom class order): labelled now, measured on the thresholded image kept for it.
    components.sulfur = labelComponents(codeMask(phases, PHASE_CODE.sulfur), width, height);
    sulfurMeans = componentMeans(classes.thresholded!.data, components.sulfur);
  }
  return {
    width,
    height,
    phases,
    sulfurMeans,
    thresholds: { low: classes.thresholds.low, high: classes.thresholds.high },
    classMeans: classes.thresholds.means,
    fractions: { carbon: counts[PHASE_CODE.carbon]! / n, sulfur: counts[PHASE_CODE.sulfur]! / n, pore: counts[PHASE_CODE.pore]! / n },
    components,
  };
}

/** A class as a mask, or already cleaned up and labelled. */
interface ClassPixels {
  readonly mask: Uint8Array;
  readonly labelled?: ComponentLabels;
}

/**
 * Smoothing, levelling and thresholds, then the dark and bright class masks (the bright one opened). The class that
 * is sulfur is cleaned up and labelled here and its components' mean intensities measured, so that the thresholded
 * image is needed no longer (it is returned only when sulfur is the mid class).
 */
function classify(image: GreyImage, settings: SegmentationSettings): {
  thresholds: ReturnType<typeof threeClassThresholds>; dark: ClassPixels; bright: ClassPixels; sulfurMeans?: Float64Array; thresholded?: GreyImage;
} {
  const { width, height } = image;
  let work = settings.levelPlane ? levelPlane(image) : image;
  if (settings.smoothingSigmaPx > 0) work = gaussianBlur(work, settings.smoothingSigmaPx);
  let t = thresholdsOf(work);
  if (settings.flattenBlockPx > 0) {
    const flatRange = new Float64Array([Infinity, -Infinity]);
    const flattened = flattenMatrixInto(work, t.low, t.high, settings.flattenBlockPx, flatRange);
    // The range came with the flattening (the same values range() would find); an unflattened image is measured.
    t = flattened === work ? thresholdsOf(work) : thresholdsIn(work = flattened, flatRange[0]!, flatRange[1]!);
  }
  const n = width * height;
  const dark = new Uint8Array(n);
  let bright: Uint8Array = new Uint8Array(n);
  splitClasses(work.data, t.low, t.high, dark, bright);
  if (settings.brightOpeningPx > 0) bright = open(bright, width, height, settings.brightOpeningPx);
  const [darkPhase, , brightPhase] = settings.classOrder;
  const sulfurMask = brightPhase === 'sulfur' ? bright : darkPhase === 'sulfur' ? dark : undefined;
  if (!sulfurMask) return { thresholds: t, dark: { mask: dark }, bright: { mask: bright }, thresholded: work };
  const sulfur = keepLargeComponents(sulfurMask, width, height, settings.minComponentPx);
  const sulfurMeans = componentMeans(work.data, sulfur);
  return {
    thresholds: t,
    dark: sulfurMask === dark ? { mask: dark, labelled: sulfur } : { mask: dark },
    bright: sulfurMask === bright ? { mask: bright, labelled: sulfur } : { mask: bright },
    sulfurMeans,
  };
}

/** Mean of `data` over each component, indexed by label (summed in pixel order). */
function componentMeans(data: Float32Array, { labels, count }: ComponentLabels): Float64Array {
  const sums = new Float64Array(count + 1);
  const counts = new Float64Array(count + 1);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l) {
      sums[l]! += data[i]!;
      counts[l]! += 1;
    }
  }
  for (let l = 1; l <= count; l++) sums[l] = sums[l]! / counts[l]!;
  return sums;
}

/** Marks pixels below `low` in `dark` and at or above `high` in `bright`. (Each pixel loop is its own small function: V8 optimises those best.) */
function splitClasses(data: Float32Array, low: number, high: number, dark: Uint8Array, bright: Uint8Array): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < low) dark[i] = 1;
    else if (v >= high) bright[i] = 1;
  }
}

/** The phase of every pixel (dark components, bright components, else the mid class) and the count per phase code. */
function assignPhases(phases: Uint8Array, dark: Int32Array, bright: Int32Array, darkCode: number, midCode: number, brightCode: number): number[] {
  // Pixels of each class counted as integers, then added per code (codes may coincide): the same counts.
  let nDark = 0;
  let nBright = 0;
  for (let i = 0; i < phases.length; i++) {
    if (dark[i]) {
      phases[i] = darkCode;
      nDark++;
    } else if (bright[i]) {
      phases[i] = brightCode;
      nBright++;
    } else phases[i] = midCode;
  }
  const counts = [0, 0, 0];
  counts[darkCode]! += nDark;
  counts[brightCode]! += nBright;
  counts[midCode]! += phases.length - nDark - nBright;
  return counts;
}

function thresholdsOf(image: GreyImage): ReturnType<typeof threeClassThresholds> {
  const { lo, hi } = range(image.data);
  return thresholdsIn(image, lo, hi);
}

function thresholdsIn(image: GreyImage, lo: number, hi: number): ReturnType<typeof threeClassThresholds> {
  return threeClassThresholds(image.data, lo, hi > lo ? hi : lo + 1);
}

/** Smallest and largest value (NaN ignored). */
function range(data: Float32Array): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo, hi };
}

/**
 * Subtracts the slow variation of the mid (matrix) class: its mean per block, bilinearly interpolated between block
 * centres. Blocks with little matrix (a void, an agglomerate) take the global matrix mean, so a defect is not
 * levelled away.
 */
export function flattenMatrix(image: GreyImage, low: number, high: number, block: number): GreyImage {
  return flattenMatrixInto(image, low, high, block, new Float64Array([Infinity, -Infinity]));
}

/** flattenMatrix that also leaves the smallest and largest output value (NaN ignored) in range[0], range[1]. */
function flattenMatrixInto(image: GreyImage, low: number, high: number, block: number, range: Float64Array): GreyImage {
  const { width, height, data } = image;
  const bx = Math.max(1, Math.round(width / block));
  const by = Math.max(1, Math.round(height / block));
  const sums = new Float64Array(bx * by);
  const counts = new Float64Array(bx * by);
  let total = 0;
  let totalCount = 0;
  const blockOfX = new Int32Array(width);
  for (let x = 0; x < width; x++) blockOfX[x] = Math.min(bx - 1, Math.floor((x * bx) / width));
  const running = new Float64Array(2); // total and count, summed in pixel order
  for (let y = 0; y < height; y++) {
    const row = Math.min(by - 1, Math.floor((y * by) / height)) * bx;
    blockSums(data, y * width, width, low, high, row, blockOfX, sums, counts, running);
  }
  total = running[0]!;
  totalCount = running[1]!;
  if (totalCount === 0) return image;
  const globalMean = total / totalCount;
  const cellPixels = (width / bx) * (height / by);
  const level = new Float32Array(bx * by);
  for (let b = 0; b < level.length; b++) level[b] = counts[b]! >= 0.25 * cellPixels ? sums[b]! / counts[b]! - globalMean : 0;
  // Interpolation positions depend on x or y alone: computed once per column and per row, not per pixel.
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  const txs = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(bx - 1, Math.max(0, ((x + 0.5) * bx) / width - 0.5));
    x0s[x] = Math.floor(fx);
    x1s[x] = Math.min(bx - 1, x0s[x]! + 1);
    txs[x] = fx - x0s[x]!;
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = Math.min(by - 1, Math.max(0, ((y + 0.5) * by) / height - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(by - 1, y0 + 1);
    levelRow(data, out, y * width, width, level, y0 * bx, y1 * bx, fy - y0, x0s, x1s, txs, range);
  }
  return createGreyImage(width, height, out);
}

/** One row of flattenMatrix's matrix-level sums (pixels in [low, high) only), per block and into `running`. */
function blockSums(
  data: Float32Array, start: number, width: number, low: number, high: number, row: number, blockOfX: Int32Array,
  sums: Float64Array, counts: Float64Array, running: Float64Array,
): void {
  let total = running[0]!;
  let count = running[1]!;
  for (let x = 0; x < width; x++) {
    const v = data[start + x]!;
    if (v < low || v >= high) continue;
    const b = row + blockOfX[x]!;
    sums[b]! += v;
    counts[b]! += 1;
    total += v;
    count++;
  }
  running[0] = total;
  running[1] = count;
}

/** One row of flattenMatrix: the pixel minus the bilinearly interpolated block level; the stored values' range into `range`. */
function levelRow(
  data: Float32Array, out: Float32Array, row: number, width: number, level: Float32Array, top: number, bottom: number, ty: number,
  x0s: Int32Array, x1s: Int32Array, txs: Float64Array, range: Float64Array,
): void {
  let lo = range[0]!;
  let hi = range[1]!;
  for (let x = 0; x < width; x++) {
    const x0 = x0s[x]!;
    const x1 = x1s[x]!;
    const tx = txs[x]!;
    const t = level[top + x0]! * (1 - tx) + level[top + x1]! * tx;
    const b = level[bottom + x0]! * (1 - tx) + level[bottom + x1]! * tx;
    const v = Math.fround(data[row + x]! - (t * (1 - ty) + b * ty));
    out[row + x] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  range[0] = lo;
  range[1] = hi;
}

/** Components of one phase: those found during clean-up, else labelled now. */
export function phaseComponents(segmentation: Segmentation, phase: Phase): ComponentLabels {
  return segmentation.components[phase] ?? labelComponents(phaseMask(segmentation, phase), segmentation.width, segmentation.height);
}

/** Binary mask (0/1) of one phase. */
export function phaseMask(segmentation: Segmentation, phase: Phase): Uint8Array {
  return codeMask(segmentation.phases, PHASE_CODE[phase]);
}

function codeMask(phases: Uint8Array, code: number): Uint8Array {
  const out = new Uint8Array(phases.length);
  for (let i = 0; i < out.length; i++) if (phases[i] === code) out[i] = 1;
  return out;
}

/** Subtracts the least-squares plane a + b·x + c·y (keeps the mean), the usual first AFM levelling step. */
export function levelPlane(image: GreyImage): GreyImage {
  const { width, height, data } = image;
  // Centred coordinates make the normal equations diagonal.
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  for (let y = 0; y < height; y++) {
    const dy = y - cy;
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x]!;
      const dx = x - cx;
      sx += v * dx;
      sy += v * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
  }
  const b = sxx > 0 ? sx / sxx : 0;
  const c = syy > 0 ? sy / syy : 0;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = data[y * width + x]! - b * (x - cx) - c * (y - cy);
  }
  return createGreyImage(width, height, out);
}
