import type { EnrolmentLimits } from '../../api/backend.js';

/**
 * The profile-jobs function's time limit (Lambda's maximum). An enrolment or recalibration runs in one invocation:
 * the application code builds a version in one call (Enrollment, FeedbackService), and the limits below keep a job
 * well inside it (README, Cloud deployment: the estimate). Larger sets: several jobs, or `mmdo enroll --publish`.
 */
export const PROFILE_JOB_TIMEOUT_SECONDS = 15 * 60;

/** Pixels per enrolment image in the cloud (the brute-force calibration search grows with them). */
export const CLOUD_ENROLMENT_MAX_PIXELS = 16 * 1024 * 1024;

export const CLOUD_ENROLMENT_LIMITS: EnrolmentLimits = {
  maxImages: 200,
  maxImageBytes: 64 * 1024 ** 2,
  maxTotalBytes: 2 * 1024 ** 3,
  // A job running past the function's limit (plus a minute) lost its runner: it is reported failed.
  maxRunMs: (PROFILE_JOB_TIMEOUT_SECONDS + 60) * 1000,
};
