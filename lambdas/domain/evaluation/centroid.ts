/**
 * The seed paper's baseline: one global CNN feature F per image, μ the mean feature of the bank images, and the
 * anomaly score A = ‖F − μ‖². No spatial information, so it gives no anomaly map.
 */
export function centroidOf(features: readonly Float32Array[]): Float32Array {
  if (features.length === 0) throw new RangeError('the centroid needs at least one bank feature');
  const dim = features[0].length;
  const sum = new Float64Array(dim);
  for (const f of features) {
    if (f.length !== dim) throw new RangeError(`feature of length ${f.length}, expected ${dim}`);
    for (let i = 0; i < dim; i++) sum[i] += f[i];
  }
  const mean = new Float32Array(dim);
  for (let i = 0; i < dim; i++) mean[i] = sum[i] / features.length;
  return mean;
}

export function squaredDistance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`vectors of length ${a.length} and ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = a[i] - b[i];
    d += diff * diff;
  }
  return d;
}
