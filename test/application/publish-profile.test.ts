import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profilesTableDefinition } from '../../lambdas/adapters/aws/profile-registry.js';
import { S3ProfileStore } from '../../lambdas/adapters/aws/s3-profile-store.js';
import { FileProfileStore } from '../../lambdas/adapters/local/store/profile-store.js';
import { InProcessEmbeddingIndex } from '../../lambdas/adapters/local/vector-index/in-process-embedding-index.js';
import { publishProfile } from '../../lambdas/application/publish-profile.js';
import { NotFoundError } from '../../lambdas/domain/errors.js';
import type { ProfileVersion } from '../../lambdas/domain/profile/profile.js';
import { startDynalite, startS3rver, type LoopbackDynamo, type LoopbackS3 } from '../support/loopback-aws.js';
import { testSettings } from '../support/profiles.js';

const BUCKET = 'mmdo-artifacts';
const TABLE = 'mmdo-profiles';
let dir: string;
let s3: LoopbackS3;
let dynamo: LoopbackDynamo;
let local: FileProfileStore;
let cloud: S3ProfileStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmdo-publish-'));
  [s3, dynamo] = await Promise.all([startS3rver([BUCKET]), startDynalite([profilesTableDefinition(TABLE)])]);
  local = new FileProfileStore(dir);
  cloud = new S3ProfileStore(s3.client, dynamo.client, { bucket: BUCKET, table: TABLE });
});

afterAll(async () => {
  await Promise.all([s3?.stop(), dynamo?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

function profile(name: string, seed: number): Omit<ProfileVersion, 'version'> {
  const dim = 4;
  const ids = ['a.png', 'b.png', 'c.png'];
  return {
    name,
    createdAt: `2026-11-25T10:00:0${seed % 10}.000Z`,
    backbone: { id: 'filter-bank', sha256: 'f'.repeat(64) },
    pixelSizeUm: 0.1,
    features: { layers: ['l2'], neighbourhood: 3, k: 1, coresetRatio: 0.5, projectionDim: null, seed },
    settings: testSettings({ borderPad: 8 * seed, heatmapLow: 0.25 * seed, tiling: { tileSize: 256 * seed, overlap: 16 } }),
    bank: { dim, count: 5, vectors: Float32Array.from({ length: 5 * dim }, (_, i) => i * seed + 0.5) },
    calibration: { normalImageScores: [1, 2], suspect: 2.5, anomalous: 3, pixelThreshold: 2, normalNoveltyScores: [0.1, 0.2] },
    embeddings: { dim: 3, ids, vectors: Float32Array.from({ length: ids.length * 3 }, (_, i) => (i + 1) * seed) },
    enrolled: { bank: ids, calibration: ['d.png'] },
  };
}

describe('publishProfile: local profile store → S3ProfileStore (s3rver + dynalite) + embedding index', () => {
  test('the latest local version becomes the next cloud version, arrays bit for bit, embeddings searchable under it', async () => {
    await local.saveNewVersion('local', profile('grains', 1));
    await local.saveNewVersion('local', profile('grains', 2));
    const index = new InProcessEmbeddingIndex();
    const seen: { backbone: string; dim: number }[] = [];
    const published = await publishProfile(local, cloud, (backbone, dim) => (seen.push({ backbone: backbone.id, dim }), index), {
      from: { tenant: 'local', name: 'grains' },
      tenant: 'acme',
      material: 'Li-S',
    });
    expect(published).toEqual({ tenant: 'acme', profile: 'grains', sourceVersion: 2, version: 1, embeddings: 3 });
    expect(seen).toEqual([{ backbone: 'filter-bank', dim: 3 }]);

    const source = await local.load('local', 'grains', 2);
    const stored = await cloud.load('acme', 'grains');
    expect(stored.version).toBe(1);
    expect(Buffer.from(stored.bank.vectors.buffer).equals(Buffer.from(source.bank.vectors.buffer))).toBe(true);
    expect(stored.calibration).toEqual(source.calibration);
    expect(stored.features.seed).toBe(2);
    // The cloud scores with the settings the profile was enrolled with (border, tiling, heatmap floor...).
    expect(stored.settings).toEqual(source.settings);
    expect(stored.settings).toMatchObject({ borderPad: 16, heatmapLow: 0.5, tiling: { tileSize: 512, overlap: 16 } });

    const query = source.embeddings.vectors.slice(3, 6); // b.png's embedding
    const nearest = await index.nearest(query, 1, { tenant: 'acme', profile: 'grains', profileVersion: 1, material: 'Li-S' });
    expect(nearest).toEqual([{ id: 'b.png', distance: 0 }]);
    expect(await index.nearest(query, 1, { tenant: 'local', profile: 'grains' })).toEqual([]);
  });

  test('an older local version can be published; the cloud numbers it next in its own sequence', async () => {
    const published = await publishProfile(local, cloud, undefined, { from: { tenant: 'local', name: 'grains', version: 1 }, tenant: 'acme' });
    expect(published).toEqual({ tenant: 'acme', profile: 'grains', sourceVersion: 1, version: 2, embeddings: 0 });
    expect((await cloud.load('acme', 'grains', 2)).features.seed).toBe(1);
    expect((await cloud.describe('acme', 'grains', 2)).settings).toEqual(profile('grains', 1).settings);
    expect((await cloud.list('acme')).find((p) => p.name === 'grains')?.latestVersion).toBe(2);
  });

  test('a missing local profile or version is NotFoundError and publishes nothing', async () => {
    await expect(publishProfile(local, cloud, undefined, { from: { tenant: 'local', name: 'nope' }, tenant: 'acme' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(publishProfile(local, cloud, undefined, { from: { tenant: 'local', name: 'grains', version: 9 }, tenant: 'acme' })).rejects.toBeInstanceOf(NotFoundError);
    expect((await cloud.list('acme')).map((p) => p.name)).toEqual(['grains']);
  });
});
