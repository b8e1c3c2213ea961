import { MmdoError } from '../../domain/errors.js';
import type { GreyImage, RgbaImage } from '../../domain/image/grey-image.js';
import type { Scratch } from '../../ports/scratch.js';

type Entry =
  | { kind: 'grey'; value: GreyImage }
  | { kind: 'rgba'; value: RgbaImage }
  | { kind: 'floats'; value: { data: Float32Array; shape: readonly number[] } }
  | { kind: 'json'; value: unknown };

/** Scratch in memory, for a pipeline run in one process: refs are names, nothing is copied or written. */
export class MemoryScratch implements Scratch {
  private readonly entries = new Map<string, Entry>();

  putGrey(name: string, image: GreyImage): string {
    return this.put(name, { kind: 'grey', value: image });
  }

  putRgba(name: string, image: RgbaImage): string {
    return this.put(name, { kind: 'rgba', value: image });
  }

  putFloats(name: string, data: Float32Array, shape: readonly number[]): string {
    return this.put(name, { kind: 'floats', value: { data, shape: [...shape] } });
  }

  putJson(name: string, value: unknown): string {
    // A deep copy, as a JSON round trip through the cloud's scratch would make.
    return this.put(name, { kind: 'json', value: JSON.parse(JSON.stringify(value)) });
  }

  async getGrey(ref: string): Promise<GreyImage> {
    return this.get(ref, 'grey');
  }

  async getRgba(ref: string): Promise<RgbaImage> {
    return this.get(ref, 'rgba');
  }

  async getFloats(ref: string): Promise<{ data: Float32Array; shape: readonly number[] }> {
    return this.get(ref, 'floats');
  }

  async getJson(ref: string): Promise<unknown> {
    return this.get(ref, 'json');
  }

  async flush(): Promise<void> {}

  private put(name: string, entry: Entry): string {
    this.entries.set(name, entry);
    return `memory:${name}`;
  }

  private get<K extends Entry['kind']>(ref: string, kind: K): Extract<Entry, { kind: K }>['value'] {
    const entry = this.entries.get(ref.replace(/^memory:/, ''));
    if (!entry || entry.kind !== kind) throw new MmdoError('scratch_missing', `no ${kind} '${ref}' in this run's scratch`, 500);
    return entry.value as never;
  }
}
