import { createHash } from 'node:crypto';
import { z } from 'zod';
import { failedReport as pipelineFailedReport } from '../application/pipeline/failure.js';
import type { Report } from '../domain/report/report.js';

/** Where an inspection came from: the HTTP API, or a file an instrument dropped in the inbox. */
export const JobSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('http') }),
  z.object({ kind: z.literal('inbox'), file: z.string().min(1) }),
]);

/** A queued inspection as stored in the queue (validated again when read back from disk). */
export const InspectionJobSchema = z.object({
  tenant: z.string().min(1),
  name: z.string().min(1),
  /** sha256 of the upload's bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  profile: z.string().min(1),
  profileVersion: z.number().int().positive().optional(),
  pixelSizeUm: z.number().positive().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  source: JobSourceSchema,
  submittedAt: z.iso.datetime(),
});
export type InspectionJob = z.infer<typeof InspectionJobSchema>;

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Same bytes, same name, same options, same metadata sheet and same source give the same job, so a client retrying
 * a POST or a rescan of the inbox after a crash never runs an image twice, while the same image sent again with a
 * corrected sheet (or a new inbox sidecar) is a new inspection with its own report. The sheet counts by content:
 * key order and spacing do not make a new job.
 */
export function dedupeKey(job: Omit<InspectionJob, 'submittedAt'>): string {
  return sha256Hex(
    JSON.stringify([
      job.tenant, job.sha256, job.name, job.profile, job.profileVersion ?? null, job.pixelSizeUm ?? null, job.source,
      ...(job.metadata !== undefined ? [canonicalJson(job.metadata)] : []),
    ]),
  );
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    return v;
  };
  return JSON.stringify(sort(value)) ?? 'null';
}

/** The report recorded when the pipeline could not produce one itself (it crashed, or the upload is gone). */
export function failedReport(id: string, job: InspectionJob, failure: { code: string; message: string; stage: string }): Report {
  return pipelineFailedReport({
    job: {
      tenant: job.tenant, reportId: id, createdAt: new Date().toISOString(), name: job.name,
      profile: { name: job.profile, ...(job.profileVersion !== undefined ? { version: job.profileVersion } : {}) },
      input: { bucket: 'local', key: job.name, size: job.bytes },
      ...(job.metadata !== undefined ? { metadata: job.metadata } : {}),
    },
    timingsMs: {},
  }, { ...failure, input: { name: job.name, sha256: job.sha256, bytes: job.bytes, warnings: [] } });
}
