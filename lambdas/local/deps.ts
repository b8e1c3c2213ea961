import type { EnrollmentService, InspectionService } from '../application/contracts.js';
import type { Rescorer } from '../application/feedback/rescore.js';
import type { FeedbackApplier } from '../application/profile-jobs.js';
import type { FeedbackStore } from '../ports/feedback.js';
import type { ProfileCatalog } from '../ports/inspection.js';
import type { ArtifactStore, ExpiringArtifacts, ProfileStore, ReportStore } from '../ports/stores.js';

/** Where enrolments and feedback applications of the API run: a worker thread (`mmdo serve`), or this process. */
export type ProfileWork = EnrollmentService & FeedbackApplier & { close?(): Promise<void> };

/** What the local service needs from the composition root (lambdas/adapters/local/runtime.ts). */
export interface LocalServiceDeps {
  /** Runs the pipeline and stores the report (completed or failed) under the id it is given. */
  readonly inspections: InspectionService;
  readonly reports: ReportStore;
  /** With `expire`, the service removes old `work/` files itself (as the cloud bucket's lifecycle rule does). */
  readonly artifacts: ArtifactStore & Partial<ExpiringArtifacts>;
  readonly profiles: ProfileStore & Partial<Pick<ProfileCatalog, 'describe'>>;
  /** Seeds the demo profile on a fresh MMDO_HOME; runs the API's enrolments when there is no `profileWork`. */
  readonly enrollment?: EnrollmentService;
  /** Expert judgements (the feedback routes; the local runtime keeps them in reports.sqlite). */
  readonly feedback?: FeedbackStore;
  /** Scores labelled images again when feedback is applied in this process. */
  readonly rescorer?: Rescorer;
  /** Where the API's enrolments and feedback applications run; absent: in this process (`enrollment`, `feedback`). */
  readonly profileWork?: ProfileWork;
}

/** The local service is single-tenant: everything it stores is under this tenant. */
export const LOCAL_TENANT = 'local';
