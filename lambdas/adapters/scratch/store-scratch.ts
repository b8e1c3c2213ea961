import { z } from 'zod';
import { MmdoError } from '../../domain/errors.js';
import { createGreyImage, type GreyImage, type RgbaImage } from '../../domain/image/grey-image.js';
import { decodeFrame, encodeFrame, requireTensor, TENSOR_CONTENT_TYPE, type Frame, type Tensor } from '../../domain/wire/tensor-frame.js';
import type { Scratch } from '../../ports/scratch.js';
import type { ArtifactStore } from '../../ports/stores.js';

const HeaderSchema = z.object({ kind: z.literal('scratch'), json: z.record(z.string(), z.unknown()) });
type Header = z.infer<typeof HeaderSchema>;

/** Where one workflow step of one inspection keeps its scratch (the artifact bucket expires `work/` after 7 days). */
export function scratchKey(tenant: string, reportId: string, step: string): string {
  return `work/${tenant}/${reportId}/${step}.mmdt`;
}

/**
 * Scratch between workflow steps in an artifact store (S3): what a step puts is buffered and written as one object
 * (a tensor frame: rasters as raw float32/uint8, JSON in the header) at `flush`, so a step costs one PUT however
 * many rasters it hands on. Refs are `<object key>#<name>`; objects read are kept for the rest of the step.
 */
export class StoreScratch implements Scratch {
  private readonly tensors: Tensor[] = [];
  private readonly json: Record<string, unknown> = {};
  private readonly frames = new Map<string, Promise<Frame<Header>>>();

  constructor(private readonly store: ArtifactStore, private readonly key: string) {}

  putGrey(name: string, image: GreyImage): string {
    this.tensors.push({ name, shape: [image.height, image.width], data: image.data });
    return this.ref(name);
  }

  putRgba(name: string, image: RgbaImage): string {
    this.tensors.push({ name, shape: [image.height, image.width, 4], data: new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength) });
    return this.ref(name);
  }

  putFloats(name: string, data: Float32Array, shape: readonly number[]): string {
    this.tensors.push({ name, shape, data });
    return this.ref(name);
  }

  putJson(name: string, value: unknown): string {
    this.json[name] = JSON.parse(JSON.stringify(value));
    return this.ref(name);
  }

  async getGrey(ref: string): Promise<GreyImage> {
    const t = requireTensor(await this.frame(ref), this.nameOf(ref), 'float32');
    return createGreyImage(t.shape[1]!, t.shape[0]!, t.data as Float32Array);
  }

  async getRgba(ref: string): Promise<RgbaImage> {
    const t = requireTensor(await this.frame(ref), this.nameOf(ref), 'uint8');
    return { width: t.shape[1]!, height: t.shape[0]!, data: new Uint8ClampedArray(t.data.buffer, t.data.byteOffset, t.data.byteLength) };
  }

  async getFloats(ref: string): Promise<{ data: Float32Array; shape: readonly number[] }> {
    const t = requireTensor(await this.frame(ref), this.nameOf(ref), 'float32');
    return { data: t.data as Float32Array, shape: t.shape };
  }

  async getJson(ref: string): Promise<unknown> {
    const { header } = await this.frame(ref);
    const name = this.nameOf(ref);
    if (!(name in header.json)) throw new MmdoError('scratch_missing', `no '${name}' in scratch object ${this.keyOf(ref)}`, 500);
    return header.json[name];
  }

  async flush(): Promise<void> {
    if (this.tensors.length === 0 && Object.keys(this.json).length === 0) return;
    const bytes = encodeFrame({ kind: 'scratch', json: this.json }, this.tensors);
    await this.store.put(this.key, bytes, TENSOR_CONTENT_TYPE);
    this.frames.set(this.key, Promise.resolve(decodeFrame(bytes, HeaderSchema)));
  }

  private ref(name: string): string {
    if (name.includes('#')) throw new RangeError(`scratch names cannot contain '#': ${name}`);
    return `${this.key}#${name}`;
  }

  private keyOf(ref: string): string {
    const at = ref.lastIndexOf('#');
    if (at < 0) throw new MmdoError('scratch_missing', `'${ref}' is not a scratch ref`, 500);
    return ref.slice(0, at);
  }

  private nameOf(ref: string): string {
    return ref.slice(ref.lastIndexOf('#') + 1);
  }

  /** The frame a ref lives in: this step's own buffer (not yet written) or an earlier step's object. */
  private frame(ref: string): Promise<Frame<Header>> {
    const key = this.keyOf(ref);
    if (key === this.key && !this.frames.has(key)) {
      const tensors = new Map(this.tensors.map((t) => [t.name, t]));
      return Promise.resolve({ header: { kind: 'scratch', json: this.json }, tensors });
    }
    let frame = this.frames.get(key);
    if (!frame) {
      frame = this.store.get(key).then((object) => {
        if (!object) throw new MmdoError('work_file_missing', `intermediate file ${key} is missing (expired, or an earlier step did not run)`, 500);
        return decodeFrame(object.bytes, HeaderSchema);
      });
      frame.catch(() => this.frames.delete(key));
      this.frames.set(key, frame);
    }
    return frame;
  }
}
