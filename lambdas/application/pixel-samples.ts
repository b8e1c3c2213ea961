/** Pixel scores kept at most (64 MB): beyond, the calibration maps are kept at a stride (see PixelSamples). */
const MAX_PIXEL_SAMPLES_KEPT = 1 << 24;

/**
 * The calibration images' full-resolution score maps, for the pixel threshold (pixelThresholds samples them with a
 * fixed stride to about a million values). Maps are kept whole while they fit MAX_PIXEL_SAMPLES_KEPT, so the
 * calibration is exactly what it always was; past that, every kept map is thinned to every other of its values
 * (and so on, the stride doubling), so a thousand large calibration images take 64 MB rather than gigabytes. The
 * pixel threshold then comes from the same number of samples, taken at a slightly different stride.
 */
export class PixelSamples {
  private readonly kept: Float32Array[] = [];
  private stride = 1;
  private total = 0;

  add(map: Float32Array): void {
    const sample = this.stride === 1 ? map : strided(map, this.stride);
    this.kept.push(sample);
    this.total += sample.length;
    while (this.total > MAX_PIXEL_SAMPLES_KEPT) {
      this.stride *= 2;
      this.total = 0;
      for (let i = 0; i < this.kept.length; i++) {
        this.kept[i] = strided(this.kept[i]!, 2);
        this.total += this.kept[i]!.length;
      }
    }
  }

  maps(): { data: Float32Array }[] {
    return this.kept.map((data) => ({ data }));
  }
}

function strided(values: Float32Array, stride: number): Float32Array {
  const out = new Float32Array(Math.ceil(values.length / stride));
  for (let i = 0, j = 0; i < values.length; i += stride, j++) out[j] = values[i]!;
  return out;
}
