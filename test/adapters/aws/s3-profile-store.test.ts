import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ProfileRegistry, profilesTableDefinition } from '../../../lambdas/adapters/aws/profile-registry.js';
import { S3ArtifactStore } from '../../../lambdas/adapters/aws/s3-artifact-store.js';
import { encodeProfile } from '../../../lambdas/adapters/profile-codec.js';
import { ProfileVersionFiles, profileObjectKeys, S3ProfileStore } from '../../../lambdas/adapters/aws/s3-profile-store.js';
import { MmdoError, NotFoundError } from '../../../lambdas/domain/errors.js';
import type { ProfileVersion } from '../../../lambdas/domain/profile/profile.js';
import { startDynalite, startS3rver, type LoopbackDynamo, type LoopbackS3 } from '../../support/loopback-aws.js';
import { testSettings } from '../../support/profiles.js';

const BUCKET = 'mmdo-test-artifacts';
const TABLE = 'mmdo-profiles-test';
let s3: LoopbackS3;
let dynamo: LoopbackDynamo;
let store: S3ProfileStore;

beforeAll(async () => {
  [s3, dynamo] = await Promise.all([startS3rver([BUCKET]), startDynalite([profilesTableDefinition(TABLE)])]);
  store = new S3ProfileStore(s3.client, dynamo.client, { bucket: BUCKET, table: TABLE });
});

afterAll(async () => {
  await Promise.all([s3?.stop(), dynamo?.stop()]);
});

/** Seeded floats (xorshift) so each profile's arrays are distinct and recognisable. */
function floats(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = ((x >>> 0) / 2 ** 32 - 0.5) * 1e3;
  }
  return out;
}

function profile(name: string, seed: number, bankCount = 40): Omit<ProfileVersion, 'version'> {
  const dim = 16;
  return {
    name,
    createdAt: `2026-11-25T10:00:${String(seed % 60).padStart(2, '0')}.000Z`,
    backbone: { id: 'filter-bank', sha256: 'a'.repeat(64) },
    pixelSizeUm: 0.25,
    features: { layers: ['l2', 'l3'], neighbourhood: 3, k: 1, coresetRatio: 0.1, projectionDim: 128, seed, coresetMaxSize: 20000 },
    settings: testSettings({ imageScoreTopFraction: 0.01, heatmapLow: 0.4, borderPad: 16, nearest: 5 }),
    bank: { dim, count: bankCount, vectors: floats(bankCount * dim, seed) },
    calibration: { normalImageScores: [1.25, 2.5], suspect: 2.75, anomalous: 3.5, pixelThreshold: 2.9, normalNoveltyScores: [0.1, 0.2] },
    embeddings: { dim: 8, ids: ['a.png', 'b.png', 'c.png'], vectors: floats(24, seed + 1000) },
    enrolled: { bank: ['a.png', 'b.png', 'c.png'], calibration: ['d.png'] },
    sources: [
      { name: 'a.png', sha256: 'b'.repeat(64), role: 'bank' },
      { name: 'd.png', sha256: 'c'.repeat(64), role: 'calibration', pixelSizeUm: 0.25 },
    ],
  };
}

const bytesOf = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

async function putRaw(key: string, body: Uint8Array | string): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

describe('S3ProfileStore against s3rver and dynalite', () => {
  test('save then load round-trips every field, floats bit for bit (NaN payload, -0, subnormals, infinities included)', async () => {
    const p = profile('roundtrip', 1);
    const special = new Float32Array(p.bank.vectors);
    special.set([-0, 1.4e-45, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3.4028234663852886e38]);
    new Uint32Array(special.buffer)[5] = 0x7fc01234; // a NaN with a payload
    const original = { ...p, bank: { ...p.bank, vectors: special } };

    const version = await store.saveNewVersion('acme', original);
    expect(version).toBe(1);
    const loaded = await store.load('acme', 'roundtrip');
    expect(bytesOf(loaded.bank.vectors).equals(bytesOf(special))).toBe(true);
    expect(bytesOf(loaded.embeddings.vectors).equals(bytesOf(p.embeddings.vectors))).toBe(true);
    const { bank: _b, embeddings: _e, ...rest } = loaded;
    const { bank: _ob, embeddings: _oe, ...expected } = original;
    expect(rest).toEqual({ ...expected, version: 1 });
    expect(loaded.embeddings.ids).toEqual(p.embeddings.ids);
    expect({ dim: loaded.bank.dim, count: loaded.bank.count }).toEqual({ dim: 16, count: 40 });

    const description = await store.describe('acme', 'roundtrip', 1);
    expect(description.calibration).toEqual(p.calibration);
    expect(description.settings).toEqual(p.settings);
    expect(description.bank).toEqual({ dim: 16, count: 40 });
  });

  test('files live at <tenant>/profiles/<name>/v<N>/ in the codec format (where the model container reads banks)', async () => {
    const p = profile('layout', 2);
    const version = await store.saveNewVersion('acme', p);
    const keys = profileObjectKeys('acme', 'layout', version);
    expect(keys).toEqual({ manifest: 'acme/profiles/layout/v1/profile.json', bank: 'acme/profiles/layout/v1/bank.f32', embeddings: 'acme/profiles/layout/v1/embeddings.f32', density: 'acme/profiles/layout/v1/density.f32' });
    const bank = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: keys.bank }));
    expect(Buffer.from(await bank.Body!.transformToByteArray()).equals(bytesOf(p.bank.vectors))).toBe(true);
    const manifest = JSON.parse(await (await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: keys.manifest }))).Body!.transformToString());
    expect(manifest).toMatchObject({ format: 2, name: 'layout', version: 1, bank: { dim: 16, count: 40, file: 'bank.f32' }, settings: { imageScoreTopFraction: 0.01, heatmapLow: 0.4, borderPad: 16 } });
  });

  test('each save creates the next version; load takes the latest or the one asked for; list summarises', async () => {
    const versions = [];
    for (const seed of [11, 12, 13]) versions.push(await store.saveNewVersion('acme', profile('cathode', seed, seed)));
    expect(versions).toEqual([1, 2, 3]);
    expect((await store.load('acme', 'cathode')).version).toBe(3);
    const second = await store.load('acme', 'cathode', 2);
    expect(second.version).toBe(2);
    expect(bytesOf(second.bank.vectors).equals(bytesOf(profile('cathode', 12, 12).bank.vectors))).toBe(true);
    await expect(store.load('acme', 'cathode', 9)).rejects.toBeInstanceOf(NotFoundError);

    const summary = (await store.list('acme')).find((s) => s.name === 'cathode');
    expect(summary).toEqual({
      name: 'cathode',
      latestVersion: 3,
      versions: [11, 12, 13].map((seed, i) => ({ version: i + 1, createdAt: profile('cathode', seed).createdAt, bankImages: 3, backboneId: 'filter-bank' })),
    });
  });

  test('concurrent saves get distinct versions, and each version holds what its own writer saved', async () => {
    const seeds = [21, 22, 23, 24, 25, 26];
    const versions = await Promise.all(seeds.map((seed) => store.saveNewVersion('acme', profile('race', seed))));
    expect([...versions].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const [i, seed] of seeds.entries()) {
      const loaded = await store.load('acme', 'race', versions[i]);
      expect(loaded.features.seed).toBe(seed);
      expect(bytesOf(loaded.bank.vectors).equals(bytesOf(profile('race', seed).bank.vectors))).toBe(true);
    }
  });

  test('a tenant cannot load, list or number against another tenant\'s profiles', async () => {
    await store.saveNewVersion('tenant-a', profile('shared-name', 31));
    await expect(store.load('tenant-b', 'shared-name')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.load('tenant-b', 'shared-name', 1)).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.list('tenant-b')).toEqual([]);
    // B's own profile of the same name starts at 1 and stays B's.
    expect(await store.saveNewVersion('tenant-b', profile('shared-name', 32))).toBe(1);
    expect((await store.load('tenant-a', 'shared-name')).features.seed).toBe(31);
    expect((await store.load('tenant-b', 'shared-name')).features.seed).toBe(32);
  });

  test('a version whose writer never finished is invisible and its number is not reused', async () => {
    await store.saveNewVersion('acme', profile('crashed', 41));
    // A writer claimed v2 and died before writing its files.
    const registry = new ProfileRegistry(dynamo.client, TABLE);
    const claimed = await registry.claim({
      tenant: 'acme', profile: 'crashed', version: 2, status: 'writing', writer: 'dead-writer',
      createdAt: '2026-11-25T11:00:00.000Z', bankImages: 3, backboneId: 'filter-bank', prefix: 'acme/profiles/crashed/v2',
    });
    expect(claimed).toBe(true);
    expect((await store.load('acme', 'crashed')).version).toBe(1);
    await expect(store.load('acme', 'crashed', 2)).rejects.toBeInstanceOf(NotFoundError);
    expect((await store.list('acme')).find((s) => s.name === 'crashed')?.latestVersion).toBe(1);
    expect(await store.saveNewVersion('acme', profile('crashed', 42))).toBe(3);
    await expect(registry.commit('acme', 'crashed', 3, 'dead-writer')).rejects.toMatchObject({ code: 'profile_conflict' });
  });

  test('a corrupt profile.json is rejected with a clear profile_corrupt error naming the object', async () => {
    await store.saveNewVersion('acme', profile('corrupt', 51));
    const { manifest } = profileObjectKeys('acme', 'corrupt', 1);

    await putRaw(manifest, '{"format": 1, "name": "corrupt", trailing garbage');
    const notJson = await store.load('acme', 'corrupt').catch((e: unknown) => e);
    expect(notJson).toBeInstanceOf(MmdoError);
    expect(notJson).toMatchObject({ code: 'profile_corrupt', status: 500 });
    expect((notJson as Error).message).toMatch(/acme\/profiles\/corrupt\/v1\/profile\.json is not JSON/);

    await putRaw(manifest, JSON.stringify({ format: 2, name: 'corrupt', version: 1 }));
    const invalid = await store.describe('acme', 'corrupt').catch((e: unknown) => e);
    expect(invalid).toMatchObject({ code: 'profile_corrupt' });
    expect((invalid as Error).message).toMatch(/profile\.json is not a valid profile manifest: .*backbone/);

    // A well-formed manifest of another version under this key is caught too.
    await store.saveNewVersion('acme', profile('corrupt', 52));
    const v2 = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: profileObjectKeys('acme', 'corrupt', 2).manifest }));
    await putRaw(manifest, await v2.Body!.transformToByteArray());
    await expect(store.load('acme', 'corrupt', 1)).rejects.toThrow(/names 'corrupt' v2, expected 'corrupt' v1/);

    // A truncated bank is rejected by size, not read as a shorter bank.
    await putRaw(profileObjectKeys('acme', 'corrupt', 2).bank, new Uint8Array(10));
    await expect(store.load('acme', 'corrupt', 2)).rejects.toThrow(/bank\.f32 holds 10 bytes, expected 2560/);
  });

  test('unsafe tenants and names are refused before anything is written', async () => {
    await expect(store.saveNewVersion('acme', profile('../evil', 61))).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(store.saveNewVersion('ac#me', profile('x', 62))).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(store.load('..', 'x')).rejects.toMatchObject({ code: 'validation_failed' });
    const bad = profile('mismatch', 63);
    await expect(store.saveNewVersion('acme', { ...bad, bank: { ...bad.bank, count: 41 } })).rejects.toMatchObject({ code: 'validation_failed' });
    expect((await store.list('acme')).map((s) => s.name)).not.toContain('mismatch');
  });
});

describe('ProfileVersionFiles: reading by explicit version without the registry (the model container)', () => {
  test('reads what S3ProfileStore saved, by number, from the bucket alone', async () => {
    const p = profile('by-number', 71);
    const version = await store.saveNewVersion('acme', p);
    await store.saveNewVersion('acme', profile('by-number', 72));
    const files = new ProfileVersionFiles(new S3ArtifactStore(s3.client, BUCKET));
    const loaded = await files.load('acme', 'by-number', version);
    expect(loaded).toMatchObject({ name: 'by-number', version, features: { seed: 71 } });
    expect(bytesOf(loaded.bank.vectors).equals(bytesOf(p.bank.vectors))).toBe(true);
    expect((await files.load('acme', 'by-number', version + 1)).features.seed).toBe(72);
  });

  test('a version without files is NotFoundError; a bank missing beside its manifest is profile_corrupt', async () => {
    const files = new ProfileVersionFiles(new S3ArtifactStore(s3.client, BUCKET));
    await expect(files.load('acme', 'by-number', 99)).rejects.toBeInstanceOf(NotFoundError);
    await expect(files.load('other-tenant', 'by-number', 1)).rejects.toBeInstanceOf(NotFoundError);
    const p = { ...profile('half-written', 73), version: 1 };
    const keys = profileObjectKeys('acme', 'half-written', 1);
    await putRaw(keys.manifest, encodeProfile(p).manifestBytes);
    await expect(files.load('acme', 'half-written', 1)).rejects.toMatchObject({ code: 'profile_corrupt', details: { where: keys.bank } });
    // The registry never saw it, so the store does not list or serve it.
    await expect(store.load('acme', 'half-written')).rejects.toBeInstanceOf(NotFoundError);
  });
});
