import { z } from 'zod';
import { ValidationError } from '../errors.js';

/**
 * A binary tensor framing, pure (no I/O): the wire format between the SageMaker adapter and the model container
 * (model-container/), and the workflow's intermediate rasters in S3. Content type `application/x-mmdo-tensors`:
 *
 *   "MMDT" | u32 LE header length | header (UTF-8 JSON, zod-checked) | zero padding to 8 bytes | tensor data
 *
 * Each tensor's bytes start at `offset` (relative to the data section, 8-byte aligned) and are little-endian,
 * row-major. Floats travel as raw float32, not JSON numbers: a 512² tile is 1 MB instead of ~5 MB of text, and
 * decoding is a view, not a parse.
 */
export const TENSOR_CONTENT_TYPE = 'application/x-mmdo-tensors';
const MAGIC = 0x54444d4d; // "MMDT" read as little-endian u32
const ALIGN = 8;

const DTYPES = { float32: Float32Array, int32: Int32Array, uint8: Uint8Array } as const;
export type DType = keyof typeof DTYPES;
export type TensorData = Float32Array | Int32Array | Uint8Array;

export const TensorInfoSchema = z.object({
  name: z.string().min(1).max(200),
  dtype: z.enum(['float32', 'int32', 'uint8']),
  shape: z.array(z.number().int().nonnegative()).max(8),
  offset: z.number().int().nonnegative(),
});
export type TensorInfo = z.infer<typeof TensorInfoSchema>;

export interface Tensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export interface Frame<H> {
  readonly header: H;
  readonly tensors: ReadonlyMap<string, Tensor>;
}

function dtypeOf(data: TensorData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  return 'uint8';
}

const pad = (n: number) => (ALIGN - (n % ALIGN)) % ALIGN;

/** Encodes a header and tensors into one frame. `header` must not carry a `tensors` key (it is added here). */
export function encodeFrame(header: Record<string, unknown>, tensors: readonly Tensor[]): Uint8Array {
  let offset = 0;
  const infos: TensorInfo[] = tensors.map((t) => {
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (expected !== t.data.length) throw new RangeError(`tensor '${t.name}' has ${t.data.length} values for shape [${t.shape.join(',')}]`);
    const info = { name: t.name, dtype: dtypeOf(t.data), shape: [...t.shape], offset };
    offset += t.data.byteLength + pad(t.data.byteLength);
    return info;
  });
  const json = new TextEncoder().encode(JSON.stringify({ ...header, tensors: infos }));
  const headEnd = 8 + json.length;
  const dataStart = headEnd + pad(headEnd);
  const out = new Uint8Array(dataStart + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, json.length, true);
  out.set(json, 8);
  tensors.forEach((t, i) => out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), dataStart + infos[i]!.offset));
  return out;
}

/**
 * Decodes a frame and checks its header against `schema`. Tensor arrays are copies on an aligned buffer only when
 * the input is misaligned (Node's pooled Buffers can start anywhere); otherwise views into `bytes`.
 */
export function decodeFrame<S extends z.ZodType>(bytes: Uint8Array, schema: S): Frame<z.infer<S>> {
  if (bytes.byteLength < 8) throw new ValidationError('tensor frame is shorter than its 8-byte preamble');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new ValidationError(`not an ${TENSOR_CONTENT_TYPE} frame (bad magic)`);
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.byteLength) throw new ValidationError('tensor frame header runs past the end');
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw new ValidationError('tensor frame header is not JSON');
  }
  const withTensors = z.object({ tensors: z.array(TensorInfoSchema).max(4096) }).passthrough().safeParse(raw);
  if (!withTensors.success) throw new ValidationError('tensor frame header has no valid tensor list', { issues: withTensors.error.issues });
  const header = schema.safeParse(raw);
  if (!header.success) throw new ValidationError(`tensor frame header is invalid: ${z.prettifyError(header.error)}`);
  const headEnd = 8 + headerLength;
  const dataStart = headEnd + pad(headEnd);
  const tensors = new Map<string, Tensor>();
  for (const info of withTensors.data.tensors) {
    const Ctor = DTYPES[info.dtype];
    const count = info.shape.reduce((a, b) => a * b, 1);
    const start = bytes.byteOffset + dataStart + info.offset;
    if (dataStart + info.offset + count * Ctor.BYTES_PER_ELEMENT > bytes.byteLength) {
      throw new ValidationError(`tensor '${info.name}' runs past the end of the frame`);
    }
    const buffer = bytes.buffer as ArrayBuffer;
    const data = start % Ctor.BYTES_PER_ELEMENT === 0
      ? new Ctor(buffer, start, count)
      : new Ctor(bytes.slice(dataStart + info.offset, dataStart + info.offset + count * Ctor.BYTES_PER_ELEMENT).buffer as ArrayBuffer);
    tensors.set(info.name, { name: info.name, shape: info.shape, data });
  }
  return { header: header.data, tensors };
}

export function requireTensor(frame: Frame<unknown>, name: string, dtype?: DType): Tensor {
  const t = frame.tensors.get(name);
  if (!t) throw new ValidationError(`tensor frame has no tensor '${name}'`, { available: [...frame.tensors.keys()] });
  if (dtype && dtypeOf(t.data) !== dtype) throw new ValidationError(`tensor '${name}' is ${dtypeOf(t.data)}, expected ${dtype}`);
  return t;
}
