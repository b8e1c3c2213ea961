/**
 * One pipeline, two runners: the same images through the local runner (every stage in process, ONNX Runtime and
 * the in-process memory bank) and through the cloud path (the state machine `cdk synth` emits, run offline over the
 * real handlers, s3rver, dynalite and the model container on loopback) give the same report.
 */
import { createHash } from 'node:crypto';
import type { Report } from '../../lambdas/domain/report/report.js';
import { ANOMALY_TYPES } from '../../lambdas/domain/synth/index.js';
import { generateMicrograph } from '../../lambdas/domain/synth/micrograph.js';
import { encodeGreyPng } from '../../lambdas/local/demo-profile.js';
import { startCloudFixture, type CloudFixture } from './cloud-fixture.js';

const TENANT = 'acme';
const PROFILE = 'grains';
const PIXEL_UM = 0.1;
const SIZE = 192;
/** Larger than one 256 px tile of the profile: tiled, the scores stitched. */
const LARGE = 416;

interface Case {
  readonly name: string;
  readonly png: Uint8Array;
  readonly sheet?: Record<string, unknown>;
}

let fixture: CloudFixture;
const cases: Case[] = [];
const pairs: { name: string; local: Report; cloud: Report }[] = [];
/** The enrolled normals' content hashes by name (the fixture names them normal-<i>.png). */
const normalHashes = new Map<string, string>();

beforeAll(async () => {
  const micrograph = (seed: number, size: number, anomaly?: (typeof ANOMALY_TYPES)[number]) =>
    generateMicrograph({ seed, width: size, height: size, pixelSizeUm: PIXEL_UM, ...(anomaly ? { anomaly } : {}) });
  // Twelve normals, ten in the bank, and a profile that fits its density component on ten (the product needs
  // more; this keeps the test short), so the cloud's density step runs too.
  const normals = await Promise.all(Array.from({ length: 12 }, (_, i) => encodeGreyPng(micrograph(100 + i, SIZE).image)));
  normals.forEach((bytes, i) => normalHashes.set(`normal-${i}.png`, createHash('sha256').update(bytes).digest('hex')));
  fixture = await startCloudFixture({ tenant: TENANT, profile: PROFILE, normals, pixelSizeUm: PIXEL_UM, tileSize: 256, densityMinBankImages: 10 });
  cases.push({ name: 'normal.png', png: await encodeGreyPng(micrograph(300, SIZE).image) });
  for (const [i, anomaly] of ANOMALY_TYPES.entries()) cases.push({ name: `${anomaly}.png`, png: await encodeGreyPng(micrograph(310 + i, SIZE, anomaly).image) });
  cases.push({ name: 'large-crack.png', png: await encodeGreyPng(micrograph(330, LARGE, 'crack').image) });
  const sheeted = micrograph(340, SIZE, 'void');
  // The declared loading is far from what the image shows, so consistency rules fire (findings to compare).
  cases.push({ name: 'with-sheet.png', png: await encodeGreyPng(sheeted.image), sheet: { ...sheeted.metadata, sulfurLoadingWtPct: 95, batchId: 'B-7' } });

  for (const c of cases) {
    const local = await fixture.local.inspections.inspect({ tenant: TENANT, name: c.name, bytes: c.png, profile: PROFILE, ...(c.sheet ? { metadata: c.sheet } : {}) });
    const key = `${TENANT}/${PROFILE}/${c.name}`;
    if (c.sheet) await fixture.put(`${key}.json`, JSON.stringify(c.sheet)); // the sidecar goes up before the image
    const run = await fixture.run(await fixture.upload(key, c.png));
    expect(run.outcome).toBe('succeeded');
    const reportId = (run.output as { job: { reportId: string } }).job.reportId;
    const cloud = (await fixture.reports.get(TENANT, reportId))!;
    pairs.push({ name: c.name, local, cloud });
  }
}, 240_000);

afterAll(async () => {
  // MMDO_PARITY_TABLE=1 prints the comparison (the README and the issue note quote it).
  if (process.env.MMDO_PARITY_TABLE) {
    const row = (p: (typeof pairs)[number]) => {
      const comp = (r: Report, n: string) => r.scores!.components.find((c) => c.name === n)?.calibrated.toFixed(4) ?? '–';
      return `| ${p.name} | ${p.local.scores!.verdict} ${p.local.scores!.score.toFixed(4)} | ${p.cloud.scores!.verdict} ${p.cloud.scores!.score.toFixed(4)} | ` +
        `${['patch', 'novelty', 'consistency', 'density'].map((n) => `${comp(p.local, n)} / ${comp(p.cloud, n)}`).join(' | ')} | ${p.local.regions.length} / ${p.cloud.regions.length} | ${(p.local.findings ?? []).length} / ${(p.cloud.findings ?? []).length} |`;
    };
    process.stderr.write(['| image | local | cloud | patch (local / cloud) | novelty | consistency | density | regions | findings |', '|---|---|---|---|---|---|---|---|---|', ...pairs.map(row)].join('\n') + '\n');
  }
  await fixture?.close();
});

describe('local runner and cloud workflow give the same report', () => {
  test('at least six images: normal, every anomaly type, one tiled, one with a synthesis sheet', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(6);
    for (const { local, cloud } of pairs) {
      expect(local.status).toBe('completed');
      expect(cloud.status).toBe('completed');
    }
    expect(pairs.map((p) => p.name)).toEqual(expect.arrayContaining(['normal.png', 'large-crack.png', 'with-sheet.png', ...ANOMALY_TYPES.map((a) => `${a}.png`)]));
  });

  test('same verdict, fused score and every component within 1e-3', () => {
    for (const { name, local, cloud } of pairs) {
      expect({ name, verdict: cloud.scores!.verdict }).toEqual({ name, verdict: local.scores!.verdict });
      expect(Math.abs(cloud.scores!.score - local.scores!.score)).toBeLessThan(1e-3);
      expect(cloud.scores!.components.map((c) => c.name)).toEqual(local.scores!.components.map((c) => c.name));
      cloud.scores!.components.forEach((c, i) => {
        const l = local.scores!.components[i]!;
        expect({ name, component: c.name, calibrated: Math.abs(c.calibrated - l.calibrated) < 1e-3, contribution: Math.abs(c.contribution - l.contribution) < 1e-3, weight: c.weight })
          .toEqual({ name, component: l.name, calibrated: true, contribution: true, weight: l.weight });
      });
    }
  });

  test('the image-level density runs in both: the same score and the same block z-scores', () => {
    for (const { name, local, cloud } of pairs) {
      expect({ name, density: local.scores!.components.some((c) => c.name === 'density') }).toEqual({ name, density: true });
      expect(Math.abs(cloud.density!.score - local.density!.score)).toBeLessThan(1e-3);
      expect(cloud.density!.blocks.map((b) => b.name)).toEqual(local.density!.blocks.map((b) => b.name));
    }
  });

  test('the same regions (count, boxes within 2 px) and the same findings', () => {
    for (const { name, local, cloud } of pairs) {
      expect({ name, regions: cloud.regions.length }).toEqual({ name, regions: local.regions.length });
      cloud.regions.forEach((r, i) => {
        const l = local.regions[i]!;
        for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(r.bbox[k] - l.bbox[k])).toBeLessThanOrEqual(2);
      });
      expect(cloud.findings ?? []).toEqual(local.findings ?? []);
    }
  });

  test('the synthesis sheet reaches the cloud report: metadata, pixel size, findings, and the batch index', async () => {
    const { local, cloud } = pairs.find((p) => p.name === 'with-sheet.png')!;
    expect(cloud.metadata).toEqual(local.metadata);
    expect(cloud.metadata).toMatchObject({ batchId: 'B-7' });
    expect((cloud.findings ?? []).length).toBeGreaterThan(0);
    expect(cloud.input.pixelSizeUm).toBe(local.input.pixelSizeUm);
    const byBatch = await fixture.reports.list(TENANT, { batch: 'B-7' });
    expect(byBatch.items.map((r) => r.id)).toEqual([cloud.id]);
  });

  test('a tiled image is stitched the same way (same map → same regions), with the novelty of the same neighbours', () => {
    const { local, cloud } = pairs.find((p) => p.name === 'large-crack.png')!;
    expect(cloud.input.width).toBe(LARGE);
    expect(cloud.regions.length).toBeGreaterThan(0);
    expect(cloud.novelty?.nearest.map((n) => n.id)).toEqual(local.novelty?.nearest.map((n) => n.id));
    // Both name each neighbour's content hash (its thumbnail), the hash of the enrolled image's bytes.
    expect(cloud.novelty?.nearest.map((n) => n.sha256)).toEqual(local.novelty?.nearest.map((n) => n.sha256));
    for (const n of cloud.novelty!.nearest) expect(n.sha256).toBe(normalHashes.get(n.id));
    expect(Math.abs(cloud.novelty!.score - local.novelty!.score)).toBeLessThan(1e-3);
  });

  test('the cloud report keeps heatmap, overlay and phases PNGs, like the local one', async () => {
    const { cloud, local } = pairs[0]!;
    expect(Object.keys(cloud.artifacts).sort()).toEqual(Object.keys(local.artifacts).sort());
    for (const key of Object.values(cloud.artifacts)) expect((await fixture.artifacts.get(key))?.contentType).toBe('image/png');
  });
});
