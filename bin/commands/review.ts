import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { z } from 'zod';
import { createLocalRuntime, type LocalRuntime } from '../../lambdas/adapters/local/runtime.js';
import { renderTable } from '../../lambdas/application/evaluate/table.js';
import { FeedbackService, type ApplyFeedbackResult, type ReviewQueue } from '../../lambdas/application/feedback/index.js';
import { ValidationError } from '../../lambdas/domain/errors.js';
import type { FeedbackAction } from '../../lambdas/domain/feedback/feedback.js';
import { COMPONENT_NAMES } from '../../lambdas/domain/profile/settings.js';
import { LOCAL_TENANT } from '../../lambdas/local/deps.js';

const wholeNumber = (min: number, max: number) => z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

const QueueOptionsSchema = z.object({
  profile: z.string().min(1).optional(),
  limit: wholeNumber(1, 500).default(20),
  json: z.boolean().optional(),
});

const JudgeOptionsSchema = z.object({
  region: wholeNumber(0, 1_000_000).optional(),
  label: z.string().min(1).optional(),
  note: z.string().max(2000).optional(),
  reviewer: z.string().trim().min(1).max(200).optional(),
  json: z.boolean().optional(),
});

const ApplyOptionsSchema = z.object({
  profile: z.string({ error: 'is required (the profile to recalibrate)' }).min(1),
  dryRun: z.boolean().optional(),
  enrol: z.boolean().default(true),
  json: z.boolean().optional(),
});

const LabelsOptionsSchema = z.object({ profile: z.string().min(1).optional(), json: z.boolean().optional() });

/** Options through zod; a bad one is one ValidationError line naming the flag (no stack trace, exit code 1). */
function parse<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const given = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  throw new ValidationError(result.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return `${flag}: ${issue.message.replace(/^Invalid input: /, '')}${key in given ? `, got ${JSON.stringify(given[key])}` : ''}`;
  }).join('; '));
}

/** Who is judging: MMDO_REVIEWER, else the login name. */
function defaultReviewer(): string {
  if (process.env.MMDO_REVIEWER) return process.env.MMDO_REVIEWER;
  try {
    return userInfo().username || 'local';
  } catch {
    return 'local';
  }
}

function serviceOf(runtime: LocalRuntime): FeedbackService {
  return new FeedbackService({
    reports: runtime.reports,
    feedback: runtime.feedback,
    profiles: runtime.profiles,
    artifacts: runtime.artifacts,
    enrollment: runtime.enrollment,
    rescorer: runtime.rescorer,
  });
}

async function withService<T>(fn: (service: FeedbackService, runtime: LocalRuntime) => Promise<T>): Promise<T> {
  const runtime = await createLocalRuntime();
  try {
    return await fn(serviceOf(runtime), runtime);
  } finally {
    await runtime.close();
  }
}

const fixed = (v: number, digits = 3) => v.toFixed(digits);

/** The queue as people read it. */
export function formatQueue(queue: ReviewQueue): string {
  if (queue.items.length === 0) return `nothing to review (${queue.scanned} report(s) read, none unreviewed)`;
  const rows = queue.items.map((item, i) => [
    String(i + 1), item.reportId, item.name, `${item.profile.name}@${item.profile.version}`, fixed(item.score), item.verdict,
    `${fixed(item.margin)} (${item.nearestThreshold})`, fixed(item.disagreement, 2), fixed(item.uncertainty),
  ]);
  return `${renderTable(['#', 'report', 'image', 'profile', 'score', 'verdict', 'margin', 'disagree', 'uncertainty'], rows)}\n`
    + `${queue.items.length} of ${queue.unreviewed} unreviewed report(s), most uncertain first`;
}

/** What `review apply` changed, one fact a line. */
export function formatApply(r: ApplyFeedbackResult): string {
  const out: string[] = [];
  const last = r.version === r.fromVersion ? `v${r.fromVersion} (no new version)` : `v${r.version}`;
  out.push(`profile ${r.profile}: v${r.fromVersion} → ${last}${r.dryRun ? ' [dry run: nothing saved]' : ''}`);
  const n = r.confirmedNormals;
  if (r.enrolledVersion !== undefined) out.push(`  enrolled ${n.enrolled} confirmed normal(s) → v${r.enrolledVersion}`);
  else out.push(`  confirmed normals: none new${n.alreadyInProfile ? ` (${n.alreadyInProfile} already in the profile)` : ''}${n.missingBytes ? `, ${n.missingBytes} without a stored image` : ''}`);
  const l = r.labels;
  out.push(`  labels: ${l.total} (${l.normal} normal, ${l.anomalous} anomalous); used ${l.used} (scored again ${l.rescored}${l.stale ? `, older scores ${l.stale}` : ''}), left out ${l.inBank} now in the bank; with ${l.calibrationNormals} calibration normal(s) of the profile`);
  const b = r.thresholds.before;
  const a = r.thresholds.after;
  out.push(r.thresholds.chosen
    ? `  operating point: suspect ${fixed(b.thresholds.suspect)} → ${fixed(a.thresholds.suspect)}, anomalous ${fixed(b.thresholds.anomalous)} → ${fixed(a.thresholds.anomalous)} (source ${b.source} → ${a.source})`
    : `  operating point kept: suspect ${fixed(b.thresholds.suspect)}, anomalous ${fixed(b.thresholds.anomalous)} (${b.source})`);
  const weights = COMPONENT_NAMES.map((c) => (Math.abs(r.weights.before[c] - r.weights.after[c]) > 1e-12 ? `${c} ${fixed(r.weights.before[c])} → ${fixed(r.weights.after[c])}` : `${c} ${fixed(r.weights.after[c])}`));
  out.push(`  weights${r.weights.learnt ? '' : ' kept'}: ${weights.join(', ')}`);
  if (r.f1.before !== undefined && r.f1.after !== undefined) out.push(`  F1 on the labels used (in-sample): ${fixed(r.f1.before)} → ${fixed(r.f1.after)}`);
  out.push(`  ${r.weights.reason}`);
  out.push(`  ${r.thresholds.reason}`);
  for (const w of r.warnings) out.push(`  warning: ${w}`);
  return out.join('\n');
}

export function register(program: Command): void {
  const review = program.command('review').description('expert feedback: the review queue, judgements of reports and regions, and recalibration from them');
  review
    .command('queue')
    .description('unreviewed reports, most uncertain first (closest to the operating thresholds; components that disagree count)')
    .option('--profile <name>', 'only reports of this profile')
    .option('--limit <n>', 'how many to list (1–500)', '20')
    .option('--json', 'print one JSON document')
    .action(async (raw: unknown) => {
      const o = parse(QueueOptionsSchema, raw);
      await withService(async (service) => {
        const queue = await service.queue(LOCAL_TENANT, { ...(o.profile ? { profile: o.profile } : {}), limit: o.limit });
        process.stdout.write(o.json ? `${JSON.stringify(queue, null, 2)}\n` : `${formatQueue(queue)}\n`);
      });
    });
  const judge = (action: FeedbackAction, description: string) => {
    const command = review
      .command(action)
      .description(description)
      .argument('<reportId>', 'the report judged')
      .option('--region <id>', 'judge this region of the report instead of the whole report')
      .option('--note <text>', 'a note kept with the judgement')
      .option('--reviewer <name>', 'who judges (default: MMDO_REVIEWER or the login name)');
    // Checked by the use case (one error line, not commander's usage dump): relabel needs it.
    if (action === 'relabel') command.option('--label <label>', 'required: normal, anomalous or a defect class (e.g. crack)');
    else command.option('--label <label>', 'a defect class that refines the judgement (must agree with it)');
    command.option('--json', 'print the stored judgement as JSON').action(async (reportId: string, raw: unknown) => {
      const o = parse(JudgeOptionsSchema, raw);
      await withService(async (service) => {
        const { feedback, outcome } = await service.record(LOCAL_TENANT, reportId, {
          action,
          reviewer: o.reviewer ?? defaultReviewer(),
          ...(o.region !== undefined ? { regionId: o.region } : {}),
          ...(o.label !== undefined ? { label: o.label } : {}),
          ...(o.note !== undefined ? { note: o.note } : {}),
        });
        const what = feedback.target.kind === 'report' ? `report ${reportId}` : `region ${feedback.target.regionId} of report ${reportId}`;
        process.stdout.write(o.json ? `${JSON.stringify({ outcome, feedback }, null, 2)}\n` : `${what}: ${feedback.label} (${action} of a ${feedback.verdict} verdict, by ${feedback.reviewer}; ${outcome})\n`);
      });
    });
  };
  judge('confirm', 'the verdict is right (a region: it is a real defect)');
  judge('reject', 'the verdict is wrong (a region: it is a false alarm)');
  judge('relabel', 'set the label: normal, anomalous or a defect class');
  review
    .command('labels')
    .description('the labelled set: reports with an expert label (the validation set recalibration uses)')
    .option('--profile <name>', 'only reports of this profile')
    .option('--json', 'print one JSON document')
    .action(async (raw: unknown) => {
      const o = parse(LabelsOptionsSchema, raw);
      await withService(async (service) => {
        const set = await service.labelled(LOCAL_TENANT, o.profile);
        const rows = set.map((l) => ({ reportId: l.report.id, image: l.report.input.name, profile: l.report.profile, label: l.label, source: l.source, verdict: l.report.scores!.verdict, score: l.report.scores!.score, reviewers: l.reviewers, at: l.at }));
        process.stdout.write(o.json ? `${JSON.stringify(rows, null, 2)}\n`
          : `${renderTable(['report', 'image', 'label', 'verdict', 'score', 'from', 'reviewer'], rows.map((r) => [r.reportId, r.image, r.label, r.verdict, fixed(r.score), r.source, r.reviewers.join(', ')]))}\n${rows.length} labelled report(s)\n`);
      });
    });
  review
    .command('apply')
    .description('enrol confirmed normals and recalibrate the operating point and fusion weights from the labels: new profile version(s)')
    .option('--profile <name>', 'required: the profile to recalibrate')
    .option('--dry-run', 'show what would change; enrol and save nothing')
    .option('--no-enrol', 'recalibrate only; leave confirmed normals out of the bank')
    .option('--json', 'print the result as one JSON document')
    .action(async (raw: unknown) => {
      const o = parse(ApplyOptionsSchema, raw);
      await withService(async (service) => {
        const result = await service.apply(LOCAL_TENANT, { profile: o.profile, reviewer: defaultReviewer(), dryRun: o.dryRun ?? false, enrolNormals: o.enrol }, (stage, _f, detail) => {
          if (!o.json && process.stderr.isTTY) process.stderr.write(`\r${stage}${detail ? ` ${detail}` : ''}\x1b[K`);
        });
        if (!o.json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
        process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatApply(result)}\n`);
      });
    });
}
