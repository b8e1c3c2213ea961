import { z } from 'zod';
import { ValidationError } from '../../../lambdas/domain/errors.js';
import { decodeFrame, encodeFrame, requireTensor } from '../../../lambdas/domain/wire/tensor-frame.js';

const Header = z.object({ kind: z.string() });

describe('tensor frames', () => {
  const floats = new Float32Array([0.25, -1.5, 3, 4, 5, 6]);
  const ints = new Int32Array([7, -8, 9]);
  const bytes = new Uint8Array([1, 2, 3, 4, 5]);
  const frame = encodeFrame({ kind: 'test' }, [
    { name: 'bytes', shape: [5], data: bytes },
    { name: 'floats', shape: [2, 3], data: floats },
    { name: 'ints', shape: [3], data: ints },
  ]);

  test('round-trips header, shapes, dtypes and values', () => {
    const decoded = decodeFrame(frame, Header);
    expect(decoded.header.kind).toBe('test');
    expect(requireTensor(decoded, 'floats', 'float32')).toEqual({ name: 'floats', shape: [2, 3], data: floats });
    expect(requireTensor(decoded, 'ints', 'int32').data).toEqual(ints);
    expect(requireTensor(decoded, 'bytes', 'uint8').data).toEqual(bytes);
  });

  test('decodes from a misaligned buffer (as pooled Buffers can be)', () => {
    const shifted = new Uint8Array(frame.byteLength + 1);
    shifted.set(frame, 1);
    const decoded = decodeFrame(shifted.subarray(1), Header);
    expect(requireTensor(decoded, 'floats').data).toEqual(floats);
  });

  test('refuses bad magic, truncation, a wrong header, a missing tensor or dtype', () => {
    const bad = frame.slice();
    bad[0] = 0;
    expect(() => decodeFrame(bad, Header)).toThrow(ValidationError);
    expect(() => decodeFrame(frame.subarray(0, frame.byteLength - 8), Header)).toThrow(ValidationError);
    expect(() => decodeFrame(frame, z.object({ kind: z.literal('other') }))).toThrow(ValidationError);
    const decoded = decodeFrame(frame, Header);
    expect(() => requireTensor(decoded, 'missing')).toThrow(ValidationError);
    expect(() => requireTensor(decoded, 'ints', 'float32')).toThrow(ValidationError);
  });

  test('refuses a shape that does not match the data', () => {
    expect(() => encodeFrame({}, [{ name: 'x', shape: [4], data: new Float32Array(3) }])).toThrow(RangeError);
  });
});
