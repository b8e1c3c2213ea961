import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { VerdictSchema, type Verdict } from '../report/report.js';

/**
 * Expert feedback on a report or on one of its regions. One vocabulary of labels for both: `normal`, `anomalous`,
 * or a defect class (e.g. `crack`, `Blowhole`), which counts as anomalous. For a region, `normal` means a false
 * alarm and anything else a real defect.
 */
export const FEEDBACK_ACTIONS = ['confirm', 'reject', 'relabel'] as const;
export type FeedbackAction = (typeof FEEDBACK_ACTIONS)[number];

/** normal | anomalous (any case) or a defect class: a letter, then letters, digits, space, `_`, `-` or `.` (≤ 64). */
export const LabelSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9 _.-]{0,63}$/, 'a label is normal, anomalous or a defect class (a letter, then up to 63 letters, digits, spaces, "_", "-" or ".")')
  .transform((v) => (/^(normal|anomalous)$/i.test(v) ? v.toLowerCase() : v));
export type Label = string;

export const FeedbackTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('report') }),
  z.object({ kind: z.literal('region'), regionId: z.number().int().nonnegative() }),
]);
export type FeedbackTarget = z.infer<typeof FeedbackTargetSchema>;

/** The target as one string (`report`, `region:3`): with the report id, the record's identity. */
export function targetKey(target: FeedbackTarget): string {
  return target.kind === 'report' ? 'report' : `region:${target.regionId}`;
}

export function parseTargetKey(key: string): FeedbackTarget {
  if (key === 'report') return { kind: 'report' };
  const m = /^region:(\d+)$/.exec(key);
  if (!m) throw new ValidationError(`invalid feedback target '${key}'`);
  return { kind: 'region', regionId: Number(m[1]) };
}

const TENANT = z.string().min(1).max(128);
const REPORT_ID = z.string().min(1).max(200);

/** A stored judgement: one per (tenant, report, target); a later judgement of the same target replaces it. */
export const FeedbackRecordSchema = z.object({
  tenant: TENANT,
  reportId: REPORT_ID,
  target: FeedbackTargetSchema,
  action: z.enum(FEEDBACK_ACTIONS),
  /** The label the judgement amounts to (resolved from the action and the verdict judged; see `resolveLabel`). */
  label: LabelSchema,
  reviewer: z.string().trim().min(1).max(200),
  note: z.string().max(2000).optional(),
  /** When the judgement was made (ISO 8601); the later of two judgements of one target wins. */
  at: z.iso.datetime({ offset: true }),
  /** What was judged: the report's profile version, image hash and verdict at the time. */
  profile: z.object({ name: z.string().min(1), version: z.number().int().positive() }).nullable(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  verdict: VerdictSchema,
  score: z.number().min(0).max(1),
});
export type FeedbackRecord = z.infer<typeof FeedbackRecordSchema>;

/** True for every label but `normal` (a defect class is anomalous). */
export function isAnomalousLabel(label: Label): boolean {
  return label !== 'normal';
}

/** Whether a verdict flags the image (suspect or anomalous): the decision the operating threshold makes. */
export function isFlagged(verdict: Verdict): boolean {
  return verdict !== 'normal';
}

/**
 * The label a judgement amounts to.
 * - Report: `confirm` agrees with the verdict (normal → `normal`; suspect or anomalous → `anomalous`), `reject`
 *   says the opposite, `relabel` names the label. A label given with confirm/reject refines it (a defect class) and
 *   must agree with it.
 * - Region: `confirm` = a real defect (`anomalous`), `reject` = a false alarm (`normal`), `relabel` names the label
 *   (`normal` = false alarm, anything else a defect of that class).
 */
export function resolveLabel(action: FeedbackAction, target: FeedbackTarget, verdict: Verdict, given?: Label): Label {
  if (action === 'relabel') {
    if (given === undefined) throw new ValidationError('relabel needs a label (normal, anomalous or a defect class)');
    return given;
  }
  const saysAnomalous = target.kind === 'region' ? action === 'confirm' : (action === 'confirm') === isFlagged(verdict);
  if (given !== undefined) {
    if (isAnomalousLabel(given) !== saysAnomalous) {
      const what = target.kind === 'region' ? `${action === 'confirm' ? 'confirming' : 'rejecting'} a region` : `${action === 'confirm' ? 'confirming' : 'rejecting'} ${verdict === 'anomalous' ? 'an' : 'a'} ${verdict} verdict`;
      throw new ValidationError(`label '${given}' contradicts ${what} (it means ${saysAnomalous ? 'anomalous' : 'normal'}); use relabel to set another label`);
    }
    return given;
  }
  return saysAnomalous ? 'anomalous' : 'normal';
}

/**
 * The expert label of a report from its judgements: the report-level judgement when there is one; otherwise
 * `anomalous` when any region was confirmed as a real defect (the image holds a defect); otherwise none
 * (false alarms on some regions say nothing about the rest of the image).
 */
export function reportLabel(records: readonly Pick<FeedbackRecord, 'target' | 'label'>[]): Label | undefined {
  const whole = records.find((r) => r.target.kind === 'report');
  if (whole) return whole.label;
  return records.some((r) => r.target.kind === 'region' && isAnomalousLabel(r.label)) ? 'anomalous' : undefined;
}

const ThresholdsSchema = z.object({ suspect: z.number(), anomalous: z.number() });
const SideSchema = z.object({ thresholds: ThresholdsSchema, weights: z.record(z.string(), z.number()), f1: z.number().optional() });

/**
 * What a recalibration from feedback did (`mmdo review apply`): the version it started from and the versions it
 * made, from which labels, the operating point and weights before and after, and the rules applied. Kept beside
 * the feedback: the provenance of a version whose `settings.operating.source` is `feedback`.
 */
export const RecalibrationRecordSchema = z.object({
  profile: z.string().min(1),
  fromVersion: z.number().int().positive(),
  /** The version enrolment made with the confirmed normals, if any. */
  enrolledVersion: z.number().int().positive().optional(),
  /** The version that carries the result (the recalibrated settings, else the enrolled one). */
  version: z.number().int().positive(),
  at: z.iso.datetime({ offset: true }),
  reviewer: z.string().optional(),
  labels: z.object({
    total: z.number().int().nonnegative(),
    normal: z.number().int().nonnegative(),
    anomalous: z.number().int().nonnegative(),
    /** Labels the thresholds and weights were chosen on, and how many of them were scored again under the new bank. */
    used: z.number().int().nonnegative(),
    rescored: z.number().int().nonnegative(),
  }),
  /** Reports whose labels were used. */
  reportIds: z.array(z.string()),
  /** Content hashes of the confirmed normals enrolled. */
  confirmedNormals: z.array(z.string()),
  before: SideSchema,
  after: SideSchema,
  /** The weights learning shrank toward (the weights before feedback first changed them); absent in older records. */
  prior: z.record(z.string(), z.number()).optional(),
  rules: z.object({ weights: z.string(), thresholds: z.string() }),
  warnings: z.array(z.string()),
});
export type RecalibrationRecord = z.infer<typeof RecalibrationRecordSchema>;
