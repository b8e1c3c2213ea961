import { StreamingMemoryBank } from '../../lambdas/application/memory-bank.js';
import { concatFloat32 } from '../../lambdas/domain/arrays.js';
import { greedyCoreset, selectRows } from '../../lambdas/domain/scoring/coreset.js';
import { createRandom } from '../../lambdas/domain/synth/random.js';

const DIM = 16;

function image(seed: number, patches: number): Float32Array {
  const rng = createRandom(seed);
  return Float32Array.from({ length: patches * DIM }, () => rng.next());
}

describe('StreamingMemoryBank', () => {
  test('within its budget it is exactly the greedy coreset of all patches (the bank enrolment always built)', () => {
    const images = Array.from({ length: 12 }, (_, i) => image(i + 1, 300 + 10 * i));
    const options = { ratio: 0.1, maxSize: 2048, seed: 42 };
    const bank = new StreamingMemoryBank(options);
    for (const im of images) bank.add([im.subarray(0, 100 * DIM), im.subarray(100 * DIM)], DIM);
    const all = concatFloat32(images);
    const expected = selectRows(all, DIM, greedyCoreset(all, DIM, options));
    const built = bank.finish();
    expect(bank.reduced).toBe(false);
    expect(built.count).toBe(expected.count);
    expect(Array.from(built.vectors)).toEqual(Array.from(expected.vectors));
  });

  test('past its budget it holds at most the budget plus one image, keeps the size asked for, and keeps outlying patches', () => {
    const budgetBytes = 200 * 1024; // ~3200 vectors of 16 floats
    const bank = new StreamingMemoryBank({ ratio: 0.1, maxSize: 100, seed: 7, budgetBytes });
    const outlier = Float32Array.from({ length: DIM }, () => 25); // far from everything else, in image 37
    let maxHeld = 0;
    for (let i = 0; i < 60; i++) {
      const im = image(100 + i, 1000);
      if (i === 37) im.set(outlier, 500 * DIM);
      bank.add([im], DIM);
      maxHeld = Math.max(maxHeld, (bank as unknown as { heldBytes: number }).heldBytes);
    }
    expect(bank.reduced).toBe(true);
    expect(bank.vectorsSeen).toBe(60_000);
    expect(maxHeld).toBeLessThanOrEqual(budgetBytes + 1000 * DIM * 4);
    const built = bank.finish();
    expect(built.count).toBe(100); // min(maxSize, 10 % of 60000)
    let found = false;
    for (let r = 0; r < built.count && !found; r++) found = built.vectors[r * DIM] === 25 && built.vectors[r * DIM + DIM - 1] === 25;
    expect(found).toBe(true);
  });
});
