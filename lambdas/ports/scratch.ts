import type { GreyImage, RgbaImage } from '../domain/image/grey-image.js';

/**
 * Where pipeline stages keep what later stages read (rasters, score grids, large JSON): in memory when the whole
 * pipeline runs in one process, in S3 between the cloud workflow's steps (one object per step, written at
 * `flush`). The inspection state carries only the refs `put*` return, so it stays small enough for a workflow
 * payload (256 KB).
 */
export interface Scratch {
  putGrey(name: string, image: GreyImage): string;
  putRgba(name: string, image: RgbaImage): string;
  putFloats(name: string, data: Float32Array, shape: readonly number[]): string;
  putJson(name: string, value: unknown): string;
  getGrey(ref: string): Promise<GreyImage>;
  getRgba(ref: string): Promise<RgbaImage>;
  getFloats(ref: string): Promise<{ readonly data: Float32Array; readonly shape: readonly number[] }>;
  getJson(ref: string): Promise<unknown>;
  /** Makes everything put since the last flush readable by later steps (a no-op in memory). */
  flush(): Promise<void>;
}
