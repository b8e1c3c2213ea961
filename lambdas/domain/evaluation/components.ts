/**
 * Connected components of a binary mask (non-zero = foreground), as the MVTec AD PRO metric uses them:
 * 8-connectivity (scipy.ndimage.label with a 3×3 structure of ones). Labels are 1..count, 0 is background.
 */
export function labelComponents(mask: Uint8Array, width: number, height: number): { labels: Int32Array; count: number } {
  if (mask.length !== width * height) throw new RangeError(`mask has ${mask.length} values, expected ${width * height}`);
  const labels = new Int32Array(mask.length);
  const stack = new Int32Array(mask.length);
  let count = 0;
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] === 0 || labels[start] !== 0) continue;
    count++;
    labels[start] = count;
    let top = 0;
    stack[top++] = start;
    while (top > 0) {
      const index = stack[--top];
      const x = index % width;
      const y = (index - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const neighbour = ny * width + nx;
          if (mask[neighbour] !== 0 && labels[neighbour] === 0) {
            labels[neighbour] = count;
            stack[top++] = neighbour;
          }
        }
      }
    }
  }
  return { labels, count };
}
