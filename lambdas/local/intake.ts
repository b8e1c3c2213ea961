import type { JobStatus, SqliteJobQueue } from './job-queue.js';
import { dedupeKey, sha256Hex, type InspectionJob } from './jobs.js';
import type { UploadStore } from './uploads.js';

export type Submission = Omit<InspectionJob, 'sha256' | 'bytes' | 'submittedAt'> & { readonly content: Uint8Array };

export interface Accepted {
  readonly id: string;
  readonly status: JobStatus;
  /** False when the same submission was already known (its existing job is returned). */
  readonly created: boolean;
}

/**
 * The one way work enters the service (HTTP and inbox alike): the upload is flushed to disk before the job that
 * points at it is committed, so an accepted image is never lost. Uploads are keyed by the job's dedupe key, so
 * two jobs over the same bytes never share (and delete) one file.
 */
export class Intake {
  constructor(
    private readonly queue: SqliteJobQueue<InspectionJob>,
    private readonly uploads: UploadStore,
    private readonly onEnqueued: () => void,
  ) {}

  async submit(submission: Submission): Promise<Accepted> {
    const { content, ...rest } = submission;
    const job: InspectionJob = { ...rest, sha256: sha256Hex(content), bytes: content.length, submittedAt: new Date().toISOString() };
    const key = dedupeKey(job);
    const known = this.queue.findByDedupeKey(key);
    if (known) return { id: known.id, status: known.status, created: false };
    await this.uploads.put(key, content);
    const { id, created } = this.queue.enqueueSync(job, key);
    this.onEnqueued();
    return { id, status: created ? 'queued' : (this.queue.get(id)?.status ?? 'queued'), created };
  }
}
