import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalRuntime, type LocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { InProcessEmbeddingIndex } from '../../lambdas/adapters/local/vector-index/in-process-embedding-index.js';
import { publishEmbeddings } from '../../lambdas/application/publish-embeddings.js';
import { nearestImages } from '../../lambdas/application/scoring.js';
import { ValidationError } from '../../lambdas/domain/errors.js';
import type { ProfileVersion } from '../../lambdas/domain/profile/profile.js';
import type { EmbeddingIndex, EmbeddingRecord } from '../../lambdas/ports/embedding-index.js';
import { testSettings } from '../support/profiles.js';
import { grainTexture, toPng } from '../e2e/textures.js';

/** A real index that also keeps what each `index` call received. */
class RecordingIndex implements EmbeddingIndex {
  readonly batches: EmbeddingRecord[][] = [];
  constructor(private readonly inner = new InProcessEmbeddingIndex()) {}
  async index(records: readonly EmbeddingRecord[]): Promise<void> {
    this.batches.push(records.map((r) => ({ ...r, vector: Float32Array.from(r.vector) })));
    await this.inner.index(records);
  }
  nearest(...args: Parameters<EmbeddingIndex['nearest']>) {
    return this.inner.nearest(...args);
  }
}

function profile(version: number, ids: string[], dim = 4): ProfileVersion {
  return {
    name: 'cathode',
    version,
    createdAt: '2026-11-25T12:00:00.000Z',
    backbone: { id: 'filter-bank', sha256: 'a'.repeat(64) },
    pixelSizeUm: null,
    features: { layers: ['l1'], neighbourhood: 3, k: 1, coresetRatio: 0.1, projectionDim: null, seed: 1 },
    settings: testSettings(),
    bank: { dim: 2, count: 1, vectors: new Float32Array(2) },
    calibration: { normalImageScores: [1], suspect: 2, anomalous: 3, pixelThreshold: 2, normalNoveltyScores: [0.5] },
    embeddings: { dim, ids, vectors: Float32Array.from({ length: ids.length * dim }, (_, i) => version * 100 + i) },
    enrolled: { bank: ids, calibration: ['cal.png'] },
  };
}

describe('publishEmbeddings after a real enrolment (built-in backbone)', () => {
  let home: string;
  let runtime: LocalRuntime;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'mmdo-publish-'));
    runtime = await createLocalRuntime({ home, backboneOverride: 'builtin' });
  });
  afterAll(async () => {
    await runtime.close();
    await rm(home, { recursive: true, force: true });
  });

  test('indexes every enrolled image (bank and calibration: noveltyFitCalibration), searchable under tenant, profile, version and material, agreeing with scoring\'s novelty', async () => {
    const images = await Promise.all([1, 2, 3, 4, 5, 6].map(async (s) => ({ name: `img${s}.png`, bytes: await toPng(grainTexture(96, s)) })));
    const { version } = await runtime.enrollment.enroll({ tenant: 'local', profile: 'sulfur', images, seed: 5 });
    const enrolled = await runtime.profiles.load('local', 'sulfur', version);
    const index = new InProcessEmbeddingIndex();

    expect(await publishEmbeddings(enrolled, index, { tenant: 'local', material: 'Li-S' })).toBe(enrolled.embeddings.ids.length);
    expect(index.size).toBe(enrolled.enrolled.bank.length + enrolled.enrolled.calibration.length);

    const { dim, ids, vectors } = enrolled.embeddings;
    const filter = { tenant: 'local', profile: 'sulfur', profileVersion: version, material: 'Li-S' };
    for (const [i, id] of ids.entries()) {
      const [self] = await index.nearest(vectors.subarray(i * dim, (i + 1) * dim), 1, filter);
      expect(self).toEqual({ id, distance: 0 });
    }
    // A query near the enrolled set: the index's neighbours are scoring's nearest enrolled images.
    const query = Float32Array.from(vectors.subarray(0, dim), (v, i) => v + 0.05 * Math.cos(i));
    const expected = nearestImages(query, enrolled.embeddings, 3).nearest;
    const got = await index.nearest(query, 3, filter);
    expect(got.map((n) => n.id)).toEqual(expected.map((n) => n.id));
    got.forEach((n, i) => expect(n.distance).toBeCloseTo(expected[i]!.distance, 4));

    expect(await index.nearest(query, 3, { ...filter, material: 'NMC' })).toEqual([]);
    expect(await index.nearest(query, 3, { ...filter, tenant: 'other' })).toEqual([]);
  });
});

describe('publishEmbeddings', () => {
  test('sends records in batches, each tagged with tenant, profile, version and material', async () => {
    const index = new RecordingIndex();
    const p = profile(3, ['a', 'b', 'c', 'd', 'e']);
    expect(await publishEmbeddings(p, index, { tenant: 'acme', material: 'Li-S', batchSize: 2 })).toBe(5);
    expect(index.batches.map((b) => b.length)).toEqual([2, 2, 1]);
    const records = index.batches.flat();
    expect(records.map((r) => r.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const [i, r] of records.entries()) {
      expect(r).toMatchObject({ tenant: 'acme', profile: 'cathode', profileVersion: 3, material: 'Li-S' });
      expect(Array.from(r.vector)).toEqual(Array.from(p.embeddings.vectors.subarray(i * 4, (i + 1) * 4)));
    }
  });

  test('without a material the records carry none (a material filter will not match them)', async () => {
    const index = new InProcessEmbeddingIndex();
    await publishEmbeddings(profile(1, ['a']), index, { tenant: 'acme' });
    const query = profile(1, ['a']).embeddings.vectors;
    expect(await index.nearest(query, 1, { tenant: 'acme', profile: 'cathode' })).toEqual([{ id: 'a', distance: 0 }]);
    expect(await index.nearest(query, 1, { tenant: 'acme', profile: 'cathode', material: 'Li-S' })).toEqual([]);
  });

  test('each version keeps its own records (a run pinned to v1 still finds v1\'s images); publishing a version again replaces its records', async () => {
    const index = new InProcessEmbeddingIndex();
    await publishEmbeddings(profile(1, ['a', 'b']), index, { tenant: 'acme' });
    await publishEmbeddings(profile(2, ['a', 'b', 'c']), index, { tenant: 'acme' });
    expect(index.size).toBe(5);
    const anywhere = new Float32Array(4);
    const v1 = await index.nearest(anywhere, 10, { tenant: 'acme', profile: 'cathode', profileVersion: 1 });
    expect(v1.map((n) => n.id).sort()).toEqual(['a', 'b']);
    // v1's own vectors (100, 101, ... in profile()), not v2's for the same ids.
    const [a1] = await index.nearest(profile(1, ['a', 'b']).embeddings.vectors.subarray(0, 4), 1, { tenant: 'acme', profile: 'cathode', profileVersion: 1 });
    expect(a1).toEqual({ id: 'a', distance: 0 });
    expect((await index.nearest(anywhere, 10, { tenant: 'acme', profile: 'cathode', profileVersion: 2 })).map((n) => n.id).sort()).toEqual(['a', 'b', 'c']);
    // Idempotent: the same version published twice holds one record per image.
    await publishEmbeddings(profile(2, ['a', 'b', 'c']), index, { tenant: 'acme' });
    expect(index.size).toBe(5);
  });

  test('refuses duplicate image ids and mismatched arrays before indexing anything', async () => {
    const index = new RecordingIndex();
    await expect(publishEmbeddings(profile(1, ['a', 'b', 'a']), index, { tenant: 'acme' })).rejects.toThrow(/two images named 'a'/);
    const p = profile(1, ['a', 'b']);
    await expect(publishEmbeddings({ ...p, embeddings: { ...p.embeddings, dim: 3 } }, index, { tenant: 'acme' })).rejects.toBeInstanceOf(ValidationError);
    await expect(publishEmbeddings(p, index, { tenant: 'acme', batchSize: 0 })).rejects.toBeInstanceOf(ValidationError);
    expect(index.batches).toEqual([]);
    expect(await publishEmbeddings(profile(1, []), index, { tenant: 'acme' })).toBe(0);
  });
});
