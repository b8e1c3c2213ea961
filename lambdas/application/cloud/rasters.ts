import { z } from 'zod';
import { decodeFrame, encodeFrame, requireTensor, TENSOR_CONTENT_TYPE } from '../../domain/wire/tensor-frame.js';
import { MmdoError } from '../../domain/errors.js';
import { createGreyImage, type GreyImage, type RgbaImage } from '../../domain/image/grey-image.js';
import type { ArtifactStore } from '../../ports/stores.js';

/**
 * Rasters handed between workflow steps through the artifact bucket (the state machine carries keys, never
 * pixels: its state is limited to 256 KB). Same tensor framing as the endpoint protocol.
 */
export async function putGrey(store: ArtifactStore, key: string, image: GreyImage): Promise<void> {
  await store.put(key, encodeFrame({ kind: 'grey' }, [{ name: 'image', shape: [image.height, image.width], data: image.data }]), TENSOR_CONTENT_TYPE);
}

export async function getGrey(store: ArtifactStore, key: string): Promise<GreyImage> {
  const t = requireTensor(await getFrame(store, key, z.object({ kind: z.literal('grey') })), 'image', 'float32');
  return createGreyImage(t.shape[1]!, t.shape[0]!, t.data as Float32Array);
}

export async function putRgba(store: ArtifactStore, key: string, image: RgbaImage): Promise<void> {
  const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  await store.put(key, encodeFrame({ kind: 'rgba' }, [{ name: 'image', shape: [image.height, image.width, 4], data }]), TENSOR_CONTENT_TYPE);
}

export async function getRgba(store: ArtifactStore, key: string): Promise<RgbaImage> {
  const t = requireTensor(await getFrame(store, key, z.object({ kind: z.literal('rgba') })), 'image', 'uint8');
  return { width: t.shape[1]!, height: t.shape[0]!, data: new Uint8ClampedArray(t.data.buffer, t.data.byteOffset, t.data.byteLength) };
}

export async function getFrame<S extends z.ZodType>(store: ArtifactStore, key: string, schema: S) {
  const object = await store.get(key);
  if (!object) throw new MmdoError('work_file_missing', `intermediate file ${key} is missing (expired, or an earlier step did not run)`, 500);
  return decodeFrame(object.bytes, schema);
}

export async function putJson(store: ArtifactStore, key: string, value: unknown): Promise<void> {
  await store.put(key, Buffer.from(JSON.stringify(value)), 'application/json');
}

export async function getJson(store: ArtifactStore, key: string): Promise<unknown | undefined> {
  const object = await store.get(key);
  return object ? JSON.parse(Buffer.from(object.bytes).toString('utf8')) : undefined;
}
