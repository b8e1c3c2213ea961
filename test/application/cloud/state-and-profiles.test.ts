import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileArtifactStore } from '../../../lambdas/adapters/local/store/artifact-store.js';
import { ArtifactProfileStore } from '../../../lambdas/application/cloud/artifact-profile-store.js';
import { parseUploadKey, reportIdFor } from '../../../lambdas/application/cloud/state.js';
import { NotFoundError, ValidationError } from '../../../lambdas/domain/errors.js';
import type { ProfileVersion } from '../../../lambdas/domain/profile/profile.js';

describe('upload keys and report ids', () => {
  test('keys name tenant, profile and optional version', () => {
    expect(parseUploadKey('acme/cathode-sem/batch 7/img-001.tif')).toEqual({ tenant: 'acme', profile: 'cathode-sem', name: 'batch 7/img-001.tif' });
    expect(parseUploadKey('acme/cathode-sem@3/img.png')).toEqual({ tenant: 'acme', profile: 'cathode-sem', version: 3, name: 'img.png' });
    for (const bad of ['img.png', 'acme/img.png', '../x/y/z.png', 'acme/../y.png']) expect(() => parseUploadKey(bad)).toThrow(ValidationError);
  });

  test('one object version maps to one report id', () => {
    expect(reportIdFor('b/k#etag:1')).toBe(reportIdFor('b/k#etag:1'));
    expect(reportIdFor('b/k#etag:1')).not.toBe(reportIdFor('b/k#etag:2'));
    expect(reportIdFor('b/k#etag:1')).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('ArtifactProfileStore', () => {
  let root: string;
  let store: ArtifactProfileStore;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'mmdo-profiles-'));
    store = new ArtifactProfileStore(new FileArtifactStore(root));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const profile = (seed: number): Omit<ProfileVersion, 'version'> => ({
    name: 'grains',
    createdAt: '2026-11-25T12:00:00.000Z',
    backbone: { id: 'b', sha256: 'c'.repeat(64) },
    pixelSizeUm: 0.1,
    features: { layers: ['a', 'b'], neighbourhood: 3, k: 1, coresetRatio: 0.1, projectionDim: 4, seed: 1, imageScoreTopFraction: 0.01 },
    bank: { dim: 4, count: 3, vectors: Float32Array.from({ length: 12 }, (_, i) => i * seed) },
    calibration: { normalImageScores: [1, 2], suspect: 3, anomalous: 4, pixelThreshold: 2.5, pixelScoreLow: 0.5, normalNoveltyScores: [0.1] },
    embeddings: { dim: 2, ids: ['x', 'y'], vectors: Float32Array.of(1, 2, 3, 4) },
    enrolled: { bank: ['x'], calibration: ['y'] },
  });

  test('versions count up; load returns the arrays, describe the settings; list summarises', async () => {
    expect(await store.saveNewVersion('acme', profile(1))).toBe(1);
    expect(await store.saveNewVersion('acme', profile(2))).toBe(2);
    const latest = await store.load('acme', 'grains');
    expect(latest.version).toBe(2);
    expect(Array.from(latest.bank.vectors)).toEqual(Array.from(profile(2).bank.vectors));
    expect(latest.calibration.pixelScoreLow).toBe(0.5);
    expect(latest.features.imageScoreTopFraction).toBe(0.01);
    const first = await store.describe('acme', 'grains', 1);
    expect(first).toMatchObject({ version: 1, bank: { dim: 4, count: 3 } });
    expect('vectors' in first.bank).toBe(false);
    expect(await store.list('acme')).toEqual([{ name: 'grains', latestVersion: 2, versions: [expect.objectContaining({ version: 1 }), expect.objectContaining({ version: 2 })] }]);
  });

  test('unknown profiles and versions are NotFoundError; tenants are separate', async () => {
    await expect(store.load('acme', 'nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.describe('acme', 'grains', 9)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.load('other', 'grains')).rejects.toBeInstanceOf(NotFoundError);
  });
});
