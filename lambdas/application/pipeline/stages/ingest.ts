import { createHash } from 'node:crypto';
import { IngestError, MmdoError } from '../../../domain/errors.js';
import { normaliseSheet } from '../../../domain/metadata/sheet.js';
import { MODALITIES, type Modality } from '../../../domain/profile/settings.js';
import { InputSchema } from '../../../domain/report/report.js';
import { resolvePixelSize } from '../../prepare.js';
import type { PipelineDeps } from '../deps.js';
import type { InspectionState, StageResults } from '../state.js';

/**
 * Ingest: read the input, validate its synthesis sheet, decode it within the limits, pin the profile version and
 * settle the pixel size (caller > file tags > sheet > profile). A failure here names the input (its hash and size,
 * and what the decoder saw of it) so the failed report still says what arrived.
 */
export async function ingest(state: InspectionState, deps: PipelineDeps): Promise<StageResults['ingest']> {
  const { job } = state;
  if (job.input.size > deps.limits.maxBytes) {
    throw new IngestError('input_too_large', `the upload has ${job.input.size} bytes; the limit is ${deps.limits.maxBytes}`);
  }
  const content = await deps.inputs.read(job.input);
  let input: Record<string, unknown> = { name: job.name, sha256: createHash('sha256').update(content.bytes).digest('hex'), bytes: content.bytes.byteLength };
  try {
    const raw = job.metadata ?? content.metadata;
    const sheet = raw ? normaliseSheet(raw) : undefined;
    const decoded = await deps.decoder.decode(content.bytes, deps.limits);
    input = {
      ...input, format: decoded.format, bitDepth: decoded.bitDepth, channels: decoded.channels,
      width: decoded.image.width, height: decoded.image.height, pages: decoded.pages, warnings: [...decoded.warnings],
    };
    const profile = await deps.profiles.describe(job.tenant, job.profile.name, job.profile.version);
    const pixel = resolvePixelSize({ caller: job.pixelSizeUm ?? content.pixelSizeUm, file: decoded.pixelSizeUm, metadata: sheet?.pixelSizeUm, profile: profile.pixelSizeUm });
    return {
      input: InputSchema.parse({ ...input, ...(pixel.pixelSizeUm ? { pixelSizeUm: pixel.pixelSizeUm } : {}), pixelSizeSource: pixel.source }),
      profile: { name: profile.name, version: profile.version },
      ...(pixel.pixelSizeUm ? { pixelSizeUm: pixel.pixelSizeUm } : {}),
      ...(profile.pixelSizeUm ? { normalisedPixelSizeUm: profile.pixelSizeUm } : {}),
      metadata: raw ?? null,
      modality: modalityOf(raw) ?? profile.settings.modality,
      original: deps.scratch.putGrey('original', decoded.image),
    };
  } catch (error) {
    // The failed report records what arrived even when it could not be read as an image.
    if (error instanceof MmdoError) throw new MmdoError(error.code, error.message, error.status, { ...error.details, input });
    throw error;
  }
}

/** A sheet may say which instrument took the image (`modality: optical`); anything else falls back to the profile's. */
function modalityOf(metadata: Record<string, unknown> | undefined): Modality | undefined {
  const value = metadata?.['modality'];
  const lower = typeof value === 'string' ? value.toLowerCase() : undefined;
  return (MODALITIES as readonly (string | undefined)[]).includes(lower) ? (lower as Modality) : undefined;
}
