import { createHash, randomUUID } from 'node:crypto';
import { SqliteFeedbackStore } from '../../../lambdas/adapters/local/store/feedback-store.js';
import { SqliteReportStore } from '../../../lambdas/adapters/local/store/report-store.js';
import { MemoryProfileStore } from '../../../lambdas/adapters/memory/memory-profile-store.js';
import type { EnrollmentService, EnrollRequest, EnrollResult, InspectionService, InspectRequest } from '../../../lambdas/application/contracts.js';
import { FeedbackService } from '../../../lambdas/application/feedback/index.js';
import type { Rescorer, ScoreRequest } from '../../../lambdas/application/feedback/rescore.js';
import { runFeedbackSimulation, type SimulationImage } from '../../../lambdas/application/feedback/simulation.js';
import { inputKey } from '../../../lambdas/application/pipeline/run-local.js';
import type { ProfileVersion } from '../../../lambdas/domain/profile/profile.js';
import { REPORT_SCHEMA_VERSION, type Report } from '../../../lambdas/domain/report/report.js';
import { fuse, type ComponentInput } from '../../../lambdas/domain/scoring/fusion.js';
import { createRandom } from '../../../lambdas/domain/synth/random.js';
import type { ArtifactStore } from '../../../lambdas/ports/stores.js';
import { testSettings } from '../../support/profiles.js';

/**
 * A score model standing in for the image pipeline (mock: the real pipeline runs this loop in
 * scripts/feedback-simulation.ts, but hundreds of inspections do not fit a unit test under jest's VM). Everything
 * else is real: the review queue, the judgements in SQLite, the labelled set, recalibration and versioning.
 * The model has the weaknesses feedback can fix:
 * - patch: separates the classes, and normals score lower the more normals the bank holds (a thin bank flags
 *   unusual normals); an image in the bank scores ~0;
 * - novelty: pure noise, yet weighted 0.25 by default (learnt weights should drop it);
 * - consistency: fires on a third of the anomalies only.
 */
interface Latent { readonly anomalous: boolean; readonly z: number; readonly noise: number; readonly rule: boolean }

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const clamp = (v: number) => Math.min(1, Math.max(0, v));

function world(latent: Map<string, Latent>, profiles: MemoryProfileStore) {
  const components = async (request: { tenant: string; profile: string; version?: number; bytes: Uint8Array }): Promise<{ parts: ComponentInput[]; version: ProfileVersion }> => {
    const version = await profiles.load(request.tenant, request.profile, request.version);
    const hash = sha(request.bytes);
    const l = latent.get(hash)!;
    const bank = (version.sources ?? []).filter((s) => s.role === 'bank');
    const inBank = bank.some((s) => s.sha256 === hash);
    // Normals look less unusual the more normals the bank has (5 at first).
    const patch = inBank ? 0.02 : l.anomalous ? 0.62 + 0.18 * l.z : 0.62 - 0.012 * bank.length + 0.18 * l.z;
    return {
      version,
      parts: [
        { name: 'patch', raw: patch, calibrated: clamp(patch) },
        { name: 'novelty', raw: l.noise, calibrated: clamp(0.5 + 0.3 * l.noise) },
        { name: 'consistency', raw: l.rule ? 1 : 0, calibrated: l.rule ? 0.75 : 0.05 },
      ],
    };
  };
  const scoreOf = async (request: { tenant: string; profile: string; version?: number; bytes: Uint8Array }) => {
    const { parts, version } = await components(request);
    const fused = fuse(parts, version.settings.fusion.weights, version.settings.operating.thresholds);
    return { fused, version };
  };
  return { scoreOf };
}

async function setUp(seed: number) {
  const rng = createRandom(seed);
  const latent = new Map<string, Latent>();
  const image = (i: number, anomalous: boolean): SimulationImage => {
    const bytes = new TextEncoder().encode(`image-${seed}-${i}`);
    latent.set(sha(bytes), { anomalous, z: rng.normal(), noise: rng.normal(), rule: anomalous && rng.next() < 1 / 3 });
    return { name: `img-${i}.png`, bytes, anomalous, ...(anomalous ? { className: 'crack' } : {}) };
  };
  const all = Array.from({ length: 440 }, (_, i) => image(i, i % 10 < 3));
  const enrol = all.filter((x) => !x.anomalous).slice(0, 10);
  const rest = all.filter((x) => !enrol.includes(x));
  const profiles = new MemoryProfileStore();
  const reports = new SqliteReportStore(':memory:');
  const feedbackStore = new SqliteFeedbackStore(':memory:');
  const blobs = new Map<string, Uint8Array>();
  const artifacts: ArtifactStore = { put: async (key, bytes) => { blobs.set(key, bytes); }, get: async (key) => (blobs.has(key) ? { bytes: blobs.get(key)!, contentType: 'application/octet-stream' } : undefined) };
  const { scoreOf } = world(latent, profiles);
  const initial: Omit<ProfileVersion, 'version'> = {
    name: 'sim', createdAt: '2026-12-01T00:00:00.000Z', backbone: { id: 'model', sha256: '0'.repeat(64) }, pixelSizeUm: null,
    features: { layers: ['l'], neighbourhood: 3, k: 1, coresetRatio: 0.1, projectionDim: null, seed: 1 },
    // The operating point declared explicitly (the product's defaults may change): 5 % of normals flagged, 1 % anomalous.
    settings: testSettings({ operating: { thresholds: { suspect: 0.5, anomalous: 0.9 }, source: 'default', falseAlarmRate: 0.01, suspectRate: 0.05, calibrationSize: 0 } }), bank: { dim: 1, count: 0, vectors: new Float32Array(0) },
    calibration: { normalImageScores: [1], suspect: 1, anomalous: 2, pixelThreshold: 1, normalNoveltyScores: [] },
    embeddings: { dim: 1, ids: [], vectors: new Float32Array(0) },
    enrolled: { bank: enrol.slice(0, 5).map((x) => x.name), calibration: enrol.slice(5).map((x) => x.name) },
    sources: enrol.map((x, i) => ({ name: x.name, sha256: sha(x.bytes), role: i < 5 ? 'bank' as const : 'calibration' as const })),
  };
  await profiles.saveNewVersion('local', initial);
  for (const x of enrol) await artifacts.put(`local/profiles/sim/sources/${sha(x.bytes)}`, x.bytes, 'application/octet-stream');
  // Enrolment as the product does it: every new image joins, most into the bank (here: all but every fifth).
  const enrollment: EnrollmentService = {
    async enroll(request: EnrollRequest) {
      const previous = await profiles.load(request.tenant, request.profile);
      const fresh = request.images.filter((x) => !(previous.sources ?? []).some((s) => s.sha256 === sha(x.bytes)));
      const sources = [...(previous.sources ?? []), ...fresh.map((x, i) => ({ name: x.name, sha256: sha(x.bytes), role: i % 5 === 4 ? 'calibration' as const : 'bank' as const }))];
      for (const x of fresh) await artifacts.put(`local/profiles/sim/sources/${sha(x.bytes)}`, x.bytes, 'application/octet-stream');
      const { version: _v, ...rest } = previous;
      const version = await profiles.saveNewVersion(request.tenant, { ...rest, sources, bank: { dim: 1, count: sources.length, vectors: new Float32Array(0) } });
      return { profile: request.profile, version, bankImages: 0, calibrationImages: 0, bankVectors: 0, thresholds: { suspect: 1, anomalous: 2 }, timingsMs: {} } as EnrollResult;
    },
  };
  const inspections: InspectionService = {
    async inspect(request: InspectRequest): Promise<Report> {
      const { fused, version } = await scoreOf(request);
      const report: Report = {
        schemaVersion: REPORT_SCHEMA_VERSION, id: randomUUID(), tenant: request.tenant, createdAt: new Date().toISOString(), status: 'completed',
        input: { name: request.name, sha256: sha(request.bytes), bytes: request.bytes.byteLength, warnings: [] }, metadata: null, backbone: null,
        profile: { name: request.profile, version: version.version },
        scores: { score: fused.score, verdict: fused.verdict, thresholds: { ...version.settings.operating.thresholds }, components: fused.components },
        regions: [], artifacts: {}, timingsMs: {},
      };
      await reports.put(report);
      await artifacts.put(inputKey(request.tenant, report.input.sha256), request.bytes, 'application/octet-stream');
      return report;
    },
  };
  const rescorer: Rescorer = {
    async score(request: ScoreRequest) {
      const { fused, version } = await scoreOf(request);
      return { score: fused.score, verdict: fused.verdict, thresholds: { ...version.settings.operating.thresholds }, components: fused.components };
    },
  };
  const feedback = new FeedbackService({ reports, feedback: feedbackStore, profiles, artifacts, enrollment, rescorer });
  return { deps: { inspections, rescorer, feedback, reports, profiles }, pool: rest.slice(0, 180), test: rest.slice(180), close: () => { reports.close(); feedbackStore.close(); } };
}

describe('feedback simulation, fast: a score model stands in for the image pipeline (mock); queue, judgements, recalibration and versions are real', () => {
  test('three rounds of 20 reviews from the queue raise F1 at the operating threshold on held-out images', async () => {
    const { deps, pool, test: heldOut, close } = await setUp(11);
    try {
      const rounds = await runFeedbackSimulation(deps, { pool, test: heldOut }, { tenant: 'local', profile: 'sim', rounds: 3, reviewsPerRound: 20 });
      expect(rounds.map((r) => r.labels)).toEqual([0, 20, 40, 60]);
      expect(rounds.every((r) => r.test.images === heldOut.length)).toBe(true);
      // Reviews come from the queue: the most uncertain reports, so the verdicts the expert corrects are many.
      expect(rounds.slice(1).reduce((n, r) => n + r.reviewed.wrongVerdicts, 0)).toBeGreaterThan(10);
      const f1 = rounds.map((r) => r.test.f1);
      expect(f1[3]).toBeGreaterThan(f1[0]! + 0.05);
      expect(Math.max(...f1.slice(1))).toBeGreaterThan(f1[0]!);
      const last = rounds[3]!;
      expect(last.source).toBe('feedback');
      expect(last.enrolledNormals).toBeGreaterThan(0);
      // The noise component lost weight to the informative ones.
      expect(last.weights.novelty).toBeLessThan(0.25);
      // The held-out images were only scored: none was judged.
      const judged = await deps.feedback.labelled('local', 'sim');
      expect(judged.some((l) => heldOut.some((t) => t.name === l.report.input.name))).toBe(false);
    } finally {
      close();
    }
  });
});
