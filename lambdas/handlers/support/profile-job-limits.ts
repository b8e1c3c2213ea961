import type { EnrolmentLimits } from '../../api/backend.js';

/**
 * The profile-jobs function's time limit (Lambda's maximum). An enrolment or recalibration runs in one invocation:
 * the application code builds a version in one call (Enrollment, FeedbackService), and the limits below keep a job
 * well inside it (README, Cloud deployment: the estimate). Larger sets: several jobs, or `mmdo enroll --publish`.
 */
export const PROFILE_JOB_TIMEOUT_SECONDS = 15 * 60;

/**
 * Pixels per enrolment image in the cloud: the held-out images' patches are searched against the bank in plain
 * TypeScript (about 2.7 CPU-s per megapixel against a full 2,048-vector bank, measured on the development machine),
 * twice each (calibration, then the operating point). At the limits (100 images, a fifth held out, 4 MP each) that
 * is about 430 s of search, inside the function's 15 minutes with the endpoint's feature extraction.
 */
export const CLOUD_ENROLMENT_MAX_PIXELS = 4 * 1024 * 1024;

export const CLOUD_ENROLMENT_LIMITS: EnrolmentLimits = {
  maxImages: 100,
  maxImageBytes: 64 * 1024 ** 2,
  maxTotalBytes: 1024 ** 3,
  // A job running past the function's limit (plus a minute) lost its runner: it is reported failed.
  maxRunMs: (PROFILE_JOB_TIMEOUT_SECONDS + 60) * 1000,
};
