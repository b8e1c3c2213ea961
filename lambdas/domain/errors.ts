/**
 * Errors the product reports to people and callers. Every one carries a stable machine code, an HTTP status
 * and a message a person understands; handlers map them to RFC 9457 problem+json.
 */
export class MmdoError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export type IngestErrorCode =
  | 'empty_input'
  | 'input_too_large'
  | 'too_many_pixels'
  | 'unsupported_format'
  | 'corrupt_image'
  | 'truncated_image';

export class IngestError extends MmdoError {
  constructor(code: IngestErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, code === 'input_too_large' || code === 'too_many_pixels' ? 413 : code === 'unsupported_format' ? 415 : 422, details);
  }
}

export class NotFoundError extends MmdoError {
  constructor(what: string, id: string) {
    super('not_found', `${what} '${id}' was not found`, 404, { what, id });
  }
}

export class ValidationError extends MmdoError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('validation_failed', message, 400, details);
  }
}
