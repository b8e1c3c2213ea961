import type { Report } from '../domain/report/report.js';

/** Reports which stage a long operation is in; `fraction` is 0..1 of the whole operation. */
export type ProgressListener = (stage: string, fraction: number, detail?: string) => void;

export interface InspectRequest {
  readonly tenant: string;
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly profile: string;
  readonly profileVersion?: number;
  /** Caller-declared pixel size; overrides the file's resolution tags. */
  readonly pixelSizeUm?: number;
  readonly metadata?: Record<string, unknown>;
  /** Lets a queue pass the id it already promised the caller. */
  readonly reportId?: string;
}

/**
 * Runs the whole pipeline for one image. Bad input does not throw: it returns (and stores) a report with
 * status 'failed' and the reason, so nothing accepted is lost silently.
 */
export interface InspectionService {
  inspect(request: InspectRequest, progress?: ProgressListener): Promise<Report>;
}

export interface EnrollSource {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly pixelSizeUm?: number;
}

export interface EnrollRequest {
  readonly tenant: string;
  readonly profile: string;
  readonly images: readonly EnrollSource[];
  /** Share of images held out for calibration (never in the bank). */
  readonly calibrationFraction?: number;
  readonly coresetRatio?: number;
  readonly pixelSizeUm?: number;
  readonly seed?: number;
  /** Declared rates of the operating point: normals flagged at all, and called anomalous (default: the previous version's). */
  readonly suspectRate?: number;
  readonly falseAlarmRate?: number;
}

export interface EnrollResult {
  readonly profile: string;
  readonly version: number;
  readonly bankImages: number;
  readonly calibrationImages: number;
  readonly bankVectors: number;
  readonly thresholds: { readonly suspect: number; readonly anomalous: number };
  /** The version's operating point (fused-score thresholds, how they were set, any warning). */
  readonly operating?: import('../domain/profile/settings.js').ScoringSettings['operating'];
  /** What the version lacks and why (e.g. no density component: too few bank images). */
  readonly warnings?: readonly string[];
  readonly timingsMs: Record<string, number>;
}

export interface EnrollmentService {
  enroll(request: EnrollRequest, progress?: ProgressListener): Promise<EnrollResult>;
}

/**
 * An optional extra inspection stage (microstructure metrics and consistency checks against declared metadata).
 * It sees the decoded image at its own resolution and the normalised one at the profile's pixel size; what it
 * returns goes into the report, and its component (when given) into the fused score.
 */
export interface InspectionStageInput {
  readonly original: import('../domain/image/grey-image.js').GreyImage;
  readonly normalised: import('../domain/image/grey-image.js').GreyImage;
  /** Pixel size of `original` in µm, when known. */
  readonly pixelSizeUm?: number;
  /** Pixel size of `normalised` (the profile's), when known. */
  readonly normalisedPixelSizeUm?: number;
  readonly metadata?: Record<string, unknown>;
  readonly profile: { readonly name: string; readonly version: number };
}

export interface InspectionStageOutput {
  /** Raw severity and its 0..1 calibration (0.5 = suspect), fused with the patch and novelty components. */
  readonly component?: { readonly raw: number; readonly calibrated: number; readonly weight: number };
  readonly microstructure?: Record<string, unknown>;
  readonly findings?: Record<string, unknown>[];
  /** Extra images to store beside the heatmap and overlay (e.g. `phases`), keyed by artifact name. */
  readonly images?: Readonly<Record<string, import('../domain/image/grey-image.js').RgbaImage>>;
}

export interface InspectionStage {
  readonly name: string;
  run(input: InspectionStageInput): Promise<InspectionStageOutput>;
}
