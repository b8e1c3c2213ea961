/** One named backbone output for one image, CHW layout, `stride` input pixels per feature cell. */
export interface FeatureMap {
  readonly name: string;
  readonly stride: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly data: Float32Array;
}

/**
 * Patch descriptors on a regular grid: `rows * cols` vectors of `dim` floats, row-major (HWC).
 * `stride` maps grid cells back to pixels of the image the grid was computed on.
 */
export interface PatchGrid {
  readonly rows: number;
  readonly cols: number;
  readonly dim: number;
  readonly stride: number;
  readonly data: Float32Array;
}
