import type { DensityComponent } from '../scoring/density.js';
import type { ScoringSettings } from './settings.js';

/**
 * A profile: the reference of known-good microstructure that images are scored against.
 * Owned by the scoring domain; stores persist it (local files, S3) without interpreting it.
 */
export interface MemoryBank {
  readonly dim: number;
  readonly count: number;
  /** `count * dim` patch descriptors, row-major. */
  readonly vectors: Float32Array;
}

export interface PatchFeatureConfig {
  /** Backbone outputs combined into patch descriptors (PatchCore's mid-level layers). */
  readonly layers: readonly string[];
  /** Side of the local averaging window, in feature cells. */
  readonly neighbourhood: number;
  /** Nearest neighbours averaged for a patch score. */
  readonly k: number;
  /** Greedy k-center coreset ratio of the memory bank. */
  readonly coresetRatio: number;
  /** Random projection width applied before coreset/search, or null for none. */
  readonly projectionDim: number | null;
  readonly seed: number;
  /** Upper bound on the memory bank size whatever the coreset ratio (absent: no bound). */
  readonly coresetMaxSize?: number;
}

export interface ScoreCalibration {
  /** Raw image scores of the held-out normal calibration images. */
  readonly normalImageScores: readonly number[];
  /** Raw image-score thresholds for the verdicts. */
  readonly suspect: number;
  readonly anomalous: number;
  /** Raw patch score above which a pixel belongs to an anomalous region. */
  readonly pixelThreshold: number;
  /** Raw novelty distances of the calibration images to the enrolled embeddings. */
  readonly normalNoveltyScores: readonly number[];
  /**
   * Raw consistency severities of the calibration images (rules that fire on normal images of this material are
   * not evidence against a new one; absent in profiles built before it was measured: no baseline).
   */
  readonly normalConsistencyScores?: readonly number[];
  /** Raw density scores of the calibration images (when the profile has a density component). */
  readonly normalDensityScores?: readonly number[];
}

export interface ImageEmbeddings {
  readonly dim: number;
  readonly ids: readonly string[];
  /** `ids.length * dim` global image embeddings of the enrolled images (novelty, nearest known samples). */
  readonly vectors: Float32Array;
}

export interface ProfileVersion {
  readonly name: string;
  readonly version: number;
  readonly createdAt: string;
  readonly backbone: { readonly id: string; readonly sha256: string };
  /** Micrometres per pixel the profile works at; images at other magnifications are resampled to it. */
  readonly pixelSizeUm: number | null;
  readonly features: PatchFeatureConfig;
  /** Every other setting that changes a score (tiling, border, pooling, smoothing, heatmap, fusion). */
  readonly settings: ScoringSettings;
  readonly bank: MemoryBank;
  readonly calibration: ScoreCalibration;
  readonly embeddings: ImageEmbeddings;
  /** The image-level density component fitted on the bank images (settings.density), when enabled. */
  readonly density?: DensityComponent;
  /** Names (or content hashes) of the images used, by role; bank and calibration never overlap. */
  readonly enrolled: { readonly bank: readonly string[]; readonly calibration: readonly string[] };
  /**
   * Content hash, name and role of every enrolled image, so a later version can re-use them (enrolment keeps
   * the source bytes in the artifact store by hash). Optional: profiles built elsewhere may omit it.
   */
  readonly sources?: readonly EnrolledSource[];
  /** How the settings of this version were chosen, when a tuner chose them (`mmdo tune`); absent otherwise. */
  readonly provenance?: ProfileProvenance;
}

/** The record a tuner leaves on the version it saved: what it maximised, on which data, and what it found. */
export interface ProfileProvenance {
  /** What chose the settings, e.g. 'mmdo tune (bayes: GP, Matérn 5/2, expected improvement)'. */
  readonly tuner: string;
  /** The metric maximised (e.g. 'fused.auroc') and the winner's value on the validation split. */
  readonly metric: string;
  readonly value: number;
  /** Evaluations each search was allowed, and the seed of the bank / calibration / validation / test split. */
  readonly budget: number;
  readonly splitSeed: number;
  /** When the tuning finished (ISO 8601). */
  readonly date: string;
  /** The tuned parameters' values (the rest of the settings are the recipe's). */
  readonly params: Readonly<Record<string, number | string>>;
  /** The labelled set tuned on, and the validation images the metric was measured on. */
  readonly manifest?: string;
  readonly validationImages?: number;
  /** The winner's figures on the untouched test split, measured once after the search. */
  readonly test?: Readonly<Record<string, number>>;
}

export interface EnrolledSource {
  readonly name: string;
  readonly sha256: string;
  readonly role: 'bank' | 'calibration';
  /** Pixel size the image was enrolled at when the caller declared it (file tags are read again from the bytes). */
  readonly pixelSizeUm?: number;
}

export interface ProfileSummary {
  readonly name: string;
  readonly latestVersion: number;
  readonly versions: readonly { version: number; createdAt: string; bankImages: number; backboneId: string }[];
}
