/**
 * Inspections submitted from this tab, followed until they end: GET /v1/inspections/{id} answers the pending
 * status (queued, running with stage and progress) until the report exists. Kept in sessionStorage (ids only) so a
 * reload keeps following them.
 */
import { api, isReport, ok, type InspectionView, type Report } from './api/client.js';

export interface TrackedJob {
  readonly id: string;
  readonly name: string;
  readonly submittedAt: string;
  view?: InspectionView;
  error?: string;
}

const STORAGE = 'mmdo.jobs';
const jobs = new Map<string, TrackedJob>();
const listeners = new Set<(job: TrackedJob) => void>();
let timer: number | undefined;

for (const job of JSON.parse(sessionStorage.getItem(STORAGE) ?? '[]') as TrackedJob[]) jobs.set(job.id, { id: job.id, name: job.name, submittedAt: job.submittedAt });

function save(): void {
  sessionStorage.setItem(STORAGE, JSON.stringify([...jobs.values()].filter((j) => !j.view || !isReport(j.view)).map(({ id, name, submittedAt }) => ({ id, name, submittedAt }))));
}

export function track(id: string, name: string): void {
  if (!jobs.has(id)) jobs.set(id, { id, name, submittedAt: new Date().toISOString() });
  save();
  schedule(0);
}

/** Jobs that have not ended yet, oldest first. */
export function pendingJobs(): TrackedJob[] {
  return [...jobs.values()].filter((j) => !j.view || !isReport(j.view));
}

export function jobOf(id: string): TrackedJob | undefined {
  return jobs.get(id);
}

/** Called on every change of a job (progress, and once when its report exists). Returns the unsubscribe. */
export function onJob(listener: (job: TrackedJob) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function schedule(ms: number): void {
  if (timer !== undefined) return;
  timer = window.setTimeout(() => {
    timer = undefined;
    void poll();
  }, ms);
}

async function poll(): Promise<void> {
  const pending = pendingJobs();
  await Promise.all(pending.map(async (job) => {
    try {
      const view = (await ok(api.GET('/v1/inspections/{id}', { params: { path: { id: job.id } } }))) as InspectionView;
      job.view = view;
      delete job.error;
    } catch (error) {
      job.error = (error as Error).message;
    }
    listeners.forEach((l) => l(job));
  }));
  save();
  if (pendingJobs().length > 0) schedule(700);
}

export function reportOf(job: TrackedJob): Report | undefined {
  return job.view && isReport(job.view) ? job.view : undefined;
}

if (jobs.size > 0) schedule(0);
