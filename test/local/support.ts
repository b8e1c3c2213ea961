import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { InspectionService, InspectRequest } from '../../lambdas/application/contracts.js';
import { createLocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { FileArtifactStore } from '../../lambdas/adapters/files/file-artifact-store.js';
import { FileProfileStore } from '../../lambdas/adapters/local/store/profile-store.js';
import { SqliteReportStore } from '../../lambdas/adapters/local/store/report-store.js';
import { REPORT_SCHEMA_VERSION, type Report } from '../../lambdas/domain/report/report.js';
import { generateMicrograph } from '../../lambdas/domain/synth/index.js';
import { encodeGreyPng, seedDemoProfile } from '../../lambdas/local/demo-profile.js';
import type { LocalServiceDeps } from '../../lambdas/local/deps.js';
import { sha256Hex } from '../../lambdas/local/jobs.js';
import { defaultServiceOptions, startLocalService, type LocalServiceOptions, type RunningService } from '../../lambdas/local/service.js';
import { testSettings } from '../support/profiles.js';

export function tempHome(): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), 'mmdo-serve-'));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** Fast timings for tests: short inbox stability, quick polling, port 0. */
export function testOptions(home: string, overrides: Partial<LocalServiceOptions> = {}): LocalServiceOptions {
  const defaults = defaultServiceOptions(home);
  return {
    ...defaults,
    port: 0,
    inboxStabilityMs: 150,
    shutdownGraceMs: 5000,
    ...overrides,
    worker: { ...defaults.worker, pollMs: 50, retryDelayMs: 0, ...overrides.worker },
  };
}

export function start(deps: LocalServiceDeps, options: LocalServiceOptions, lines: string[] = []): Promise<RunningService> {
  return startLocalService(deps, options, (line) => lines.push(line));
}

/** A generated normal micrograph (or one with a defect) as PNG bytes. */
export async function micrographPng(seed: number, size = 128, anomaly?: 'crack' | 'void' | 'agglomeration'): Promise<Uint8Array> {
  const { image } = generateMicrograph({ seed, width: size, height: size, pixelSizeUm: 0.1, ...(anomaly ? { anomaly } : {}) });
  return encodeGreyPng(image);
}

/** A flat grey PNG: cheap to make at any size (header checks). */
export async function blankPng(width: number, height: number): Promise<Uint8Array> {
  return new Uint8Array(await sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer());
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls GET /v1/inspections/{id} until it is a report (completed or failed). */
export async function waitForReport(url: string, id: string, timeoutMs = 30_000): Promise<Report> {
  return waitFor(async () => {
    const res = await fetch(`${url}/v1/inspections/${id}`);
    const body = (await res.json()) as { status: string };
    return body.status === 'completed' || body.status === 'failed' ? (body as Report) : undefined;
  }, timeoutMs, `report ${id}`);
}

/**
 * MOCK InspectionService for the cases no real pipeline can be made to produce (a run that throws): it reads the
 * PNG header with sharp and writes a report whose heatmap/overlay are the input itself. Its users say "mock".
 */
export function mockDeps(home: string, behaviour: { throws?: () => boolean } = {}): LocalServiceDeps & { calls: InspectRequest[]; close(): void } {
  const reports = new SqliteReportStore(join(home, 'reports.sqlite'));
  const artifacts = new FileArtifactStore(join(home, 'artifacts'));
  const profiles = new FileProfileStore(join(home, 'profiles'));
  const calls: InspectRequest[] = [];
  const inspections: InspectionService = {
    async inspect(request, progress) {
      calls.push(request);
      progress?.('ingest', 0.1);
      if (behaviour.throws?.()) throw new Error('mock pipeline exploded');
      const id = request.reportId!;
      const base: Report = {
        schemaVersion: REPORT_SCHEMA_VERSION,
        id,
        tenant: request.tenant,
        createdAt: new Date().toISOString(),
        status: 'completed',
        input: { name: request.name, sha256: sha256Hex(request.bytes), bytes: request.bytes.length, warnings: [] },
        metadata: request.metadata ?? null,
        backbone: null,
        profile: { name: request.profile, version: 1 },
        scores: null,
        regions: [],
        artifacts: {},
        timingsMs: {},
      };
      let report: Report;
      try {
        await sharp(request.bytes).stats();
        const key = `${request.tenant}/reports/${id}/heatmap.png`;
        await artifacts.put(key, request.bytes, 'image/png');
        report = { ...base, artifacts: { heatmap: key, overlay: key } };
      } catch (error) {
        report = { ...base, status: 'failed', profile: null, failure: { code: 'corrupt_image', message: (error as Error).message, stage: 'ingest' } };
      }
      await reports.put(report);
      return report;
    },
  };
  return { inspections, reports, artifacts, profiles, calls, close: () => reports.close() };
}

/** A minimal stored profile, so the API's profile check passes in MOCK tests that never score. */
export async function saveTinyProfile(deps: Pick<LocalServiceDeps, 'profiles'>, name: string): Promise<void> {
  await deps.profiles.saveNewVersion('local', {
    name,
    createdAt: new Date().toISOString(),
    backbone: { id: 'mock', sha256: '0'.repeat(64) },
    pixelSizeUm: null,
    features: { layers: ['l'], neighbourhood: 3, k: 1, coresetRatio: 1, projectionDim: null, seed: 1 },
    settings: testSettings(),
    bank: { dim: 1, count: 1, vectors: new Float32Array(1) },
    calibration: { normalImageScores: [0], suspect: 1, anomalous: 2, pixelThreshold: 1, normalNoveltyScores: [0] },
    embeddings: { dim: 1, ids: ['a'], vectors: new Float32Array(1) },
    enrolled: { bank: ['a'], calibration: ['b'] },
  });
}

export type TestDeps = LocalServiceDeps & { close(): Promise<void> | void };

/** The real local runtime (built-in filter-bank backbone, everything under `home`): what `mmdo serve` runs on. */
export async function createDeps(home: string): Promise<TestDeps> {
  return createLocalRuntime({ home, backboneOverride: 'builtin', env: {} });
}

/** The demo profile the service seeds on a fresh MMDO_HOME, smaller so tests stay fast. */
export async function prepareDemoProfile(deps: TestDeps, home: string): Promise<void> {
  if (!deps.enrollment) return saveTinyProfile(deps, 'demo');
  await seedDemoProfile(deps, { tenant: 'local', name: 'demo', images: 6, size: 96, pixelSizeUm: 0.1, samplesDir: join(home, 'samples') }, () => undefined);
}
