import type { ScoreCalibration } from '../domain/profile/profile.js';
import type { ComponentName, ScoringSettings } from '../domain/profile/settings.js';
import { consistencyThresholds, thresholdsFromNormals, type Thresholds } from '../domain/scoring/calibration.js';
import type { ProfileDescription } from '../ports/inspection.js';
import type { LabelledReport } from './feedback/labelled.js';
import { shareWithInterval, type ShareEstimate } from '../domain/evaluation/share.js';

/**
 * What a profile version knows about its own scores, for people to plot (the web page's Profiles view draws the
 * histograms and ROC that `mmdo evaluate` draws): the raw scores of its held-out calibration normals per component
 * with the raw values at which each component turns suspect and anomalous, the operating thresholds on the fused
 * score with how they were set, the expert-labelled reports scored by this version (their fused and raw component
 * scores: an ROC needs labels of both kinds), and a tuner's own figures when a tuner chose the version's settings.
 */

/** The components calibrated on held-out normals (reproducibility needs replicates, which calibration has not). */
export const CALIBRATED_COMPONENTS = ['patch', 'novelty', 'density', 'consistency'] as const satisfies readonly ComponentName[];
export type CalibratedComponent = (typeof CALIBRATED_COMPONENTS)[number];

export interface ComponentCalibration {
  readonly name: CalibratedComponent;
  /** Whether the version's fusion uses the component. */
  readonly fused: boolean;
  /** Raw scores of the calibration normals (empty: the version has none for this component). */
  readonly normals: readonly number[];
  /** The raw scores the component's calibrated value is 0.5 (suspect) and 0.9 (anomalous) at; null where it has no calibration. */
  readonly thresholds: Thresholds | null;
}

export interface LabelledScore {
  readonly reportId: string;
  readonly name: string;
  readonly label: string;
  readonly anomalous: boolean;
  /** The fused 0..1 score the report was given. */
  readonly score: number;
  /** Each component's raw score in the report. */
  readonly components: Partial<Record<ComponentName, number>>;
}

export interface CalibrationFigures {
  readonly profile: string;
  readonly version: number;
  readonly operating: ScoringSettings['operating'];
  readonly components: readonly ComponentCalibration[];
  readonly labelled: {
    /** Labelled reports this version scored, by report id. */
    readonly items: readonly LabelledScore[];
    /** Labelled reports of the profile scored by other versions (their scores are on another scale: left out). */
    readonly otherVersions: number;
  };
  /**
   * At the version's operating threshold (fused score ≥ its suspect threshold), among the labelled reports it scored:
   * the share of expert-confirmed defects it flagged (expected recall) and of confirmed normals it flagged (false
   * alarms), each with its 95 % interval; null where there is no label of that kind.
   */
  readonly atOperating: { readonly recall: ShareEstimate | null; readonly falseAlarms: ShareEstimate | null };
  /** The tuner's record when a tuner chose the settings (`mmdo tune`): what it maximised and its test-split figures. */
  readonly tuning: {
    readonly tuner: string;
    readonly metric: string;
    readonly value: number;
    readonly validationImages?: number;
    readonly test?: Readonly<Record<string, number>>;
  } | null;
}

export interface CalibrationFiguresDeps {
  /** The version (NotFoundError when absent). */
  describe(tenant: string, profile: string, version: number): Promise<ProfileDescription>;
  /** The tenant's labelled set of one profile. */
  labelled(tenant: string, profile: string): Promise<readonly LabelledReport[]>;
}

/** GET /v1/profiles/{name}/versions/{version}/calibration. */
export async function calibrationFigures(deps: CalibrationFiguresDeps, tenant: string, profile: string, version: number): Promise<CalibrationFigures> {
  const described = await deps.describe(tenant, profile, version);
  const labelled = await deps.labelled(tenant, profile);
  const mine = labelled.filter((l) => l.report.profile?.version === version && l.report.scores);
  const { provenance } = described;
  const { suspect } = described.settings.operating.thresholds;
  const flaggedShare = (anomalous: boolean) => {
    const scores = mine.filter((l) => l.anomalous === anomalous).map((l) => l.report.scores!.score);
    return scores.length ? shareWithInterval(scores.filter((s) => s >= suspect).length, scores.length) : null;
  };
  return {
    profile,
    version,
    operating: described.settings.operating,
    components: componentCalibrations(described.calibration, described.settings.fusion.components),
    labelled: {
      items: mine.map((l) => ({
        reportId: l.report.id,
        name: l.report.input.name,
        label: l.label,
        anomalous: l.anomalous,
        score: l.report.scores!.score,
        components: Object.fromEntries(l.report.scores!.components.map((c) => [c.name, c.raw])),
      })),
      otherVersions: labelled.length - mine.length,
    },
    atOperating: { recall: flaggedShare(true), falseAlarms: flaggedShare(false) },
    tuning: provenance
      ? {
        tuner: provenance.tuner, metric: provenance.metric, value: provenance.value,
        ...(provenance.validationImages !== undefined ? { validationImages: provenance.validationImages } : {}),
        ...(provenance.test ? { test: provenance.test } : {}),
      }
      : null,
  };
}

/**
 * Each calibrated component's normals and the raw scores its calibrated value crosses 0.5 and 0.9 at, as the
 * pipeline's stages calibrate them: the patch score by the version's stored thresholds, novelty and density by the
 * thresholds of their normals (calibration.ts `calibrate`), consistency as `calibrateConsistency` calibrates it.
 */
export function componentCalibrations(calibration: ScoreCalibration, fused: readonly ComponentName[]): ComponentCalibration[] {
  const logistic = (normals: readonly number[]) => (normals.length ? thresholdsFromNormals(normals) : null);
  const consistency = calibration.normalConsistencyScores ?? [];
  const thresholds: Record<CalibratedComponent, [readonly number[], Thresholds | null]> = {
    patch: [calibration.normalImageScores, calibration.normalImageScores.length ? { suspect: calibration.suspect, anomalous: calibration.anomalous } : null],
    novelty: [calibration.normalNoveltyScores, logistic(calibration.normalNoveltyScores)],
    density: [calibration.normalDensityScores ?? [], logistic(calibration.normalDensityScores ?? [])],
    consistency: [consistency, consistencyThresholds(consistency)],
  };
  return CALIBRATED_COMPONENTS.map((name) => ({ name, fused: fused.includes(name), normals: thresholds[name][0], thresholds: thresholds[name][1] }));
}
