import { watch, type FSWatcher } from 'chokidar';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseSheetBytes } from '../adapters/metadata/sheet-reader.js';
import { MmdoError } from '../domain/errors.js';
import type { Report } from '../domain/report/report.js';
import { DEFAULT_INGEST_LIMITS, type IngestLimits } from '../ports/image-codec.js';
import type { ReportStore } from '../ports/stores.js';
import { readFileWithin, MAX_SHEET_BYTES } from './bounded-read.js';
import { checkImageHeader } from './image-header.js';
import type { Intake } from './intake.js';
import type { InspectionJob } from './jobs.js';
import type { Log } from './log.js';

export interface InboxOptions {
  readonly dir: string;
  readonly tenant: string;
  readonly profile: string;
  readonly maxBytes: number;
  /** The door check's pixel limit (default: the product's); `maxBytes` above is the byte limit. */
  readonly limits?: Pick<IngestLimits, 'maxPixels'>;
  /** A file counts as written once its size has not changed for this long. */
  readonly stabilityMs: number;
}

/**
 * Watches the folder an instrument drops images into. Each image (with an optional `<name>.json` metadata sidecar)
 * becomes a job; when the job ends the file moves to `processed/` with `<name>.report.json` beside it, or to
 * `failed/` with `<name>.reason.json` (code, message, stage, report id).
 * The same door checks as HTTP run before a job exists (bytes, signature, header, truncation, size limits) and the
 * sidecar is validated exactly as `mmdo inspect --metadata` validates a sheet: a file refused there goes to
 * `failed/` with the reason and no report id (stage `inbox`). A file whose pixel data turns out damaged only when
 * decoded is a job, and ends with a failed report. The same image dropped again with a different sidecar is a new
 * job (the sheet is part of its identity), so it gets a new report.
 * The initial scan picks up files dropped while the service was down; re-submitting a file whose job already
 * ended (a crash between the report and the move) dedupes to that job and just finishes the move.
 */
export class Inbox {
  private watcher: FSWatcher | undefined;
  private readonly handling = new Set<string>();

  constructor(
    private readonly options: InboxOptions,
    private readonly intake: Intake,
    private readonly reports: ReportStore,
    private readonly log: Log,
  ) {}

  get dir(): string {
    return this.options.dir;
  }

  async start(): Promise<void> {
    const { dir } = this.options;
    await Promise.all([mkdir(join(dir, 'processed'), { recursive: true }), mkdir(join(dir, 'failed'), { recursive: true })]);
    const watcher = watch(dir, {
      depth: 0,
      ignoreInitial: false,
      awaitWriteFinish: { stabilityThreshold: this.options.stabilityMs, pollInterval: Math.max(20, Math.round(this.options.stabilityMs / 4)) },
      ignored: (path, stats) => stats?.isFile() === true && !isImageCandidate(basename(path)),
    });
    this.watcher = watcher;
    watcher.on('add', (path) => void this.handle(path));
    // A file written again under a name that was just moved out (the next image of a run with the same name) is
    // reported as a change, not an add (chokidar's `atomic` handling): it is a new file to take all the same.
    watcher.on('change', (path) => void this.handle(path));
    watcher.on('error', (error) => this.log(`inbox watcher error: ${(error as Error).message}`));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.log(`watching inbox ${dir} (drop PNG/JPEG/TIFF files, optional <name>.json metadata beside them)`);
  }

  async stop(): Promise<void> {
    await this.watcher?.close();
    this.watcher = undefined;
  }

  /** The worker calls this when an inbox job has ended. */
  async settle(_id: string, job: InspectionJob, report: Report): Promise<void> {
    if (job.source.kind !== 'inbox') return;
    await this.moveOut(job.source.file, report.status === 'completed' ? 'processed' : 'failed', report.id, report.failure, report);
  }

  private async handle(path: string): Promise<void> {
    const name = basename(path);
    if (!isImageCandidate(name) || this.handling.has(name)) return;
    this.handling.add(name);
    try {
      const refuse = (error: MmdoError) => this.moveOut(name, 'failed', null, { code: error.code, message: error.message, stage: 'inbox' });
      const image = await readFileWithin(path, this.options.maxBytes, 'image').catch((e: unknown) => e as Error);
      if (image instanceof MmdoError) return await refuse(image);
      if (image instanceof Error) throw image;
      const metadata = await this.readSidecar(name);
      if (metadata instanceof MmdoError) return await refuse(metadata);
      const limits = { maxBytes: this.options.maxBytes, maxPixels: this.options.limits?.maxPixels ?? DEFAULT_INGEST_LIMITS.maxPixels };
      const header = await checkImageHeader(image, limits).catch((e: unknown) => e as Error);
      if (header instanceof MmdoError) return await refuse(header);
      if (header instanceof Error) throw header;
      const accepted = await this.intake.submit({
        tenant: this.options.tenant,
        name,
        content: image,
        profile: this.options.profile,
        ...(metadata ? { metadata } : {}),
        source: { kind: 'inbox', file: name },
      });
      if (accepted.created) this.log(`inbox: queued ${name} as ${accepted.id}`);
      if (accepted.status === 'completed' || accepted.status === 'failed') {
        const report = await this.reports.get(this.options.tenant, accepted.id);
        await this.moveOut(name, accepted.status === 'completed' ? 'processed' : 'failed', accepted.id, report?.failure, report);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // moved or deleted by someone else meanwhile
      this.log(`inbox: could not take ${name}: ${(error as Error).message}`);
    } finally {
      this.handling.delete(name);
    }
  }

  /** The sidecar validated as the CLI validates a sheet (the normalised sheet is what the job carries), or its error. */
  private async readSidecar(name: string): Promise<Record<string, unknown> | undefined | MmdoError> {
    let bytes: Uint8Array;
    try {
      bytes = await readFileWithin(join(this.options.dir, `${name}.json`), MAX_SHEET_BYTES, 'metadata sidecar');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (error instanceof MmdoError) return error;
      throw error;
    }
    try {
      return { ...(await parseSheetBytes(bytes, 'json')) };
    } catch (error) {
      if (error instanceof MmdoError) return new MmdoError(error.code, `${name}.json: ${error.message}`, error.status, error.details);
      throw error;
    }
  }

  /** Moves the file (and its sidecar) out of the inbox; a failure also gets `<name>.reason.json`. */
  private async moveOut(
    name: string,
    to: 'processed' | 'failed',
    reportId: string | null,
    failure: { code: string; message: string; stage: string } | undefined,
    report?: Report,
  ): Promise<void> {
    const { dir } = this.options;
    const source = join(dir, name);
    if (!(await exists(source))) return;
    // `<target>.reason.json` / `.report.json` must fit the file system's 255-byte name limit too.
    const target = await freeName(join(dir, to), fitName(name, OUTCOME_SUFFIX_BYTES));
    await rename(source, join(dir, to, target));
    const sidecar = join(dir, `${name}.json`);
    if (await exists(sidecar)) await rename(sidecar, join(dir, to, `${target}.json`));
    if (to === 'failed') {
      const reason = { file: name, reportId, ...(failure ?? { code: 'failed', message: 'no reason recorded', stage: 'unknown' }), at: new Date().toISOString() };
      await writeFileAtomic(join(dir, to, `${target}.reason.json`), JSON.stringify(reason, null, 2));
      this.log(`inbox: ${name} → failed/${target} (${reason.code}: ${reason.message})`);
    } else {
      if (report) await writeFileAtomic(join(dir, to, `${target}.report.json`), JSON.stringify(report, null, 2));
      this.log(`inbox: ${name} → processed/${target} (report ${reportId})`);
    }
  }
}

/** Sidecars, hidden files and partial downloads are never images to inspect. */
function isImageCandidate(name: string): boolean {
  return !name.startsWith('.') && !/\.(json|tmp|part|crdownload|partial)$/i.test(name) && !name.endsWith('~');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** `name`, or `stem-2.ext`, `stem-3.ext`... when a file of that name already sits in `dir`. */
async function freeName(dir: string, name: string): Promise<string> {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${stem}-${n}${ext}`;
    if (!(await exists(join(dir, candidate)))) return candidate;
  }
}

/** Longest suffix added to a moved file's name (`-99` from freeName, then `.report.json`). */
const OUTCOME_SUFFIX_BYTES = '-99.report.json'.length;
const NAME_MAX_BYTES = 255;

/**
 * `name`, or a shortened one (start of the stem, `~`, extension) when `name` plus `reserve` bytes would pass the
 * 255-byte file-name limit: a 250-character image name still gets its report beside it.
 */
export function fitName(name: string, reserve: number): string {
  const limit = NAME_MAX_BYTES - reserve;
  if (Buffer.byteLength(name) <= limit) return name;
  const ext = extname(name).slice(0, 16);
  let stem = name.slice(0, name.length - extname(name).length);
  while (stem.length > 0 && Buffer.byteLength(`${stem}~${ext}`) > limit) stem = stem.slice(0, -1);
  return `${stem}~${ext}`;
}

async function writeFileAtomic(path: string, text: string): Promise<void> {
  // The temporary name is short and hidden, whatever the target's length (the watcher never sees processed/).
  const temp = join(dirname(path), `.${randomUUID()}.tmp`);
  await writeFile(temp, text);
  await rename(temp, path);
}
