import { MmdoError } from '../errors.js';

export type BackboneErrorCode = 'backbone_not_found' | 'backbone_invalid' | 'checksum_mismatch' | 'download_failed' | 'bad_tile_size';

/** A backbone that cannot be found, described, verified or run as asked. */
export class BackboneError extends MmdoError {
  constructor(code: BackboneErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, code === 'backbone_not_found' ? 404 : code === 'download_failed' ? 502 : 422, details);
  }
}
