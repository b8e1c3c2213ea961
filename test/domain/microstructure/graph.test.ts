import { buildObjectGraph } from '../../../lambdas/domain/microstructure/graph.js';

function scene(width: number, height: number, rects: { x: number; y: number; w: number; h: number }[]) {
  const objects = new Int32Array(width * height);
  rects.forEach((r, k) => {
    for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) objects[y * width + x] = k + 1;
  });
  const passable = new Uint8Array(width * height);
  for (let i = 0; i < passable.length; i++) passable[i] = objects[i] === 0 ? 1 : 0;
  return { objects, passable };
}

describe('object graph', () => {
  test('touching objects get a 0-gap edge, near ones their gap, far ones none', () => {
    const { objects, passable } = scene(60, 20, [
      { x: 2, y: 5, w: 5, h: 5 }, // 0
      { x: 7, y: 5, w: 5, h: 5 }, // 1 touches 0
      { x: 16, y: 5, w: 5, h: 5 }, // 2: 4 px matrix gap from 1
      { x: 45, y: 5, w: 5, h: 5 }, // 3: far away
    ]);
    const g = buildObjectGraph(objects, passable, 60, 20, 6);
    const edges = Array.from(g.source, (s, i) => [s, g.target[i], g.gapPx[i]]);
    expect(edges).toContainEqual([0, 1, 0]);
    const e12 = edges.find((e) => e[0] === 1 && e[1] === 2)!;
    expect(e12[2]).toBeGreaterThanOrEqual(3);
    expect(e12[2]).toBeLessThanOrEqual(5);
    expect(edges.some((e) => e[0] === 3 || e[1] === 3)).toBe(false);
    expect(edges.some((e) => e[0] === 0 && e[1] === 2)).toBe(false);
  });

  test('a gap above the limit gives no edge', () => {
    const { objects, passable } = scene(40, 10, [
      { x: 2, y: 2, w: 4, h: 4 },
      { x: 20, y: 2, w: 4, h: 4 },
    ]);
    expect(buildObjectGraph(objects, passable, 40, 10, 6).source.length).toBe(0);
  });
});
