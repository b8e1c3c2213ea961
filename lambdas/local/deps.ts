import type { EnrollmentService, InspectionService } from '../application/contracts.js';
import type { ArtifactStore, ProfileStore, ReportStore } from '../ports/stores.js';

/** What the local service needs from the composition root (lambdas/adapters/local/runtime.ts). */
export interface LocalServiceDeps {
  /** Runs the pipeline and stores the report (completed or failed) under the id it is given. */
  readonly inspections: InspectionService;
  readonly reports: ReportStore;
  readonly artifacts: ArtifactStore;
  readonly profiles: ProfileStore;
  /** Used once, to seed the demo profile on a fresh MMDO_HOME. */
  readonly enrollment?: EnrollmentService;
}

/** The local service is single-tenant: everything it stores is under this tenant. */
export const LOCAL_TENANT = 'local';
