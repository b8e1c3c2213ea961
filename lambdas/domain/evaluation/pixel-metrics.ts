import { labelComponents } from '../microstructure/components.js';
import { trapezoid } from './ranking.js';

/**
 * Pixel-level AUROC and AUPRO over many anomaly maps in bounded memory.
 *
 * Scores are binned: `bins` equal-width bins over a fixed [min, max] range (values outside are clamped into the
 * end bins), and every bin's lower edge is one threshold. Memory is (2 + regions) × bins counters, whatever the
 * number of pixels, and the result equals the exact metric on the binned scores (ties inside a bin count as ties).
 * The caller fixes the range first, e.g. from the low-resolution maps of all test images (upsampling and blurring
 * keep values inside that range), so no bin is wasted.
 *
 * AUPRO follows MVTec AD (Bergmann et al., IJCV 2021) and anomalib: the ground-truth regions are the connected
 * components (8-connectivity) of each image's mask; at each threshold the PRO is the mean over all regions of the
 * share of the region's pixels at or above it, and the FPR is the share of all normal pixels (every image's
 * pixels outside its mask) at or above it. The PRO-vs-FPR curve is integrated by trapezoid up to `fprLimit`
 * (linear interpolation at the limit) and divided by `fprLimit`, so a perfect map scores 1.
 */
export class PixelMetricsAccumulator {
  private readonly normal: Float64Array;
  private readonly anomalous: Float64Array;
  /** Per ground-truth region: its pixel count per bin. */
  private readonly regions: Uint32Array[] = [];
  private readonly scale: number;

  constructor(
    readonly min: number,
    readonly max: number,
    readonly bins = 4096,
  ) {
    if (!(Number.isFinite(min) && Number.isFinite(max))) throw new RangeError('score range must be finite');
    if (!Number.isInteger(bins) || bins < 2) throw new RangeError('bins must be an integer >= 2');
    this.normal = new Float64Array(bins);
    this.anomalous = new Float64Array(bins);
    this.scale = max > min ? bins / (max - min) : 0;
  }

  get regionCount(): number {
    return this.regions.length;
  }

  private bin(value: number): number {
    const b = Math.floor((value - this.min) * this.scale);
    return b < 0 ? 0 : b >= this.bins ? this.bins - 1 : b;
  }

  /** Adds one image: its anomaly map and, for anomalous images, its mask (non-zero = anomalous pixel). */
  add(scores: Float32Array, mask: Uint8Array | null, width: number, height: number): void {
    if (scores.length !== width * height) throw new RangeError(`map has ${scores.length} values, expected ${width * height}`);
    if (mask === null) {
      for (let i = 0; i < scores.length; i++) this.normal[this.bin(scores[i])]++;
      return;
    }
    const { labels, count } = labelComponents(mask, width, height);
    const firstRegion = this.regions.length;
    for (let r = 0; r < count; r++) this.regions.push(new Uint32Array(this.bins));
    for (let i = 0; i < scores.length; i++) {
      const b = this.bin(scores[i]);
      const label = labels[i];
      if (label === 0) this.normal[b]++;
      else {
        this.anomalous[b]++;
        this.regions[firstRegion + label - 1][b]++;
      }
    }
  }

  /** ROC over all pixels, thresholds from the top bin down; ties inside a bin give a diagonal segment. */
  auroc(): number {
    const negatives = sum(this.normal);
    const positives = sum(this.anomalous);
    if (negatives === 0 || positives === 0) throw new RangeError('pixel AUROC needs both normal and anomalous pixels');
    const fpr = [0];
    const tpr = [0];
    let fp = 0;
    let tp = 0;
    for (let b = this.bins - 1; b >= 0; b--) {
      if (this.normal[b] === 0 && this.anomalous[b] === 0) continue;
      fp += this.normal[b];
      tp += this.anomalous[b];
      fpr.push(fp / negatives);
      tpr.push(tp / positives);
    }
    return trapezoid(fpr, tpr);
  }

  /** (FPR, mean per-region overlap) for every bin threshold, FPR ascending, starting at (0, 0). */
  proCurve(): { fpr: number[]; pro: number[] } {
    const negatives = sum(this.normal);
    if (negatives === 0 || this.regions.length === 0) throw new RangeError('AUPRO needs normal pixels and at least one anomalous region');
    const proSum = new Float64Array(this.bins);
    for (const region of this.regions) {
      const size = sum(region);
      let covered = 0;
      for (let b = this.bins - 1; b >= 0; b--) {
        covered += region[b];
        proSum[b] += covered / size;
      }
    }
    const fpr = [0];
    const pro = [0];
    let fp = 0;
    for (let b = this.bins - 1; b >= 0; b--) {
      fp += this.normal[b];
      fpr.push(fp / negatives);
      pro.push(proSum[b] / this.regions.length);
    }
    return { fpr, pro };
  }

  aupro(fprLimit = 0.3): number {
    if (!(fprLimit > 0 && fprLimit <= 1)) throw new RangeError('fprLimit must be in (0, 1]');
    const { fpr, pro } = this.proCurve();
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < fpr.length; i++) {
      if (fpr[i] <= fprLimit) {
        xs.push(fpr[i]);
        ys.push(pro[i]);
        continue;
      }
      // First point past the limit: interpolate the segment that crosses it, then stop.
      const x0 = fpr[i - 1];
      const y0 = pro[i - 1];
      xs.push(fprLimit);
      ys.push(y0 + ((pro[i] - y0) * (fprLimit - x0)) / (fpr[i] - x0));
      break;
    }
    return trapezoid(xs, ys) / fprLimit;
  }
}

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
}

/** Smallest and largest value over a set of maps (the range to bin pixel scores over). */
export function scoreRange(maps: Iterable<ArrayLike<number>>): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const map of maps) {
    for (let i = 0; i < map.length; i++) {
      const v = map[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError('no finite scores to take a range from');
  return { min, max };
}
