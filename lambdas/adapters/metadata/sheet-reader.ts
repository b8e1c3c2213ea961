import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { extractText, getDocumentProxy } from 'unpdf';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../../domain/errors.js';
import { fieldForKey, normaliseSheet, parseKeyValueText } from '../../domain/metadata/sheet.js';
import type { SynthesisMetadata } from '../../domain/metadata/schema.js';

export type SheetFormat = 'json' | 'csv' | 'yaml' | 'pdf' | 'text';

const EXTENSIONS: Readonly<Record<string, SheetFormat>> = {
  '.json': 'json',
  '.csv': 'csv',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.pdf': 'pdf',
  '.txt': 'text',
};

export function sheetFormatFromName(name: string): SheetFormat {
  const format = EXTENSIONS[extname(name).toLowerCase()];
  if (!format) throw new ValidationError(`unsupported synthesis sheet '${name}': use .json, .csv, .yaml/.yml, .pdf or .txt`, { name });
  return format;
}

/** Reads a synthesis sheet file (format from the extension) into validated metadata. */
export async function readSheetFile(path: string): Promise<SynthesisMetadata> {
  return parseSheetBytes(new Uint8Array(await readFile(path)), sheetFormatFromName(path));
}

/**
 * Parses a sheet's bytes: JSON and YAML objects as they are; CSV either as a header row + one batch row or as
 * key,value rows; PDF (text-based, via unpdf/pdf.js) and plain text as `key: value` lines. Then validates
 * (SheetValidationError names each bad field).
 */
export async function parseSheetBytes(bytes: Uint8Array, format: SheetFormat): Promise<SynthesisMetadata> {
  return normaliseSheet(await sheetRecord(bytes, format));
}

/** The sheet's key/value record as written (the pipeline validates it). */
export async function sheetRecord(bytes: Uint8Array, format: SheetFormat): Promise<Record<string, unknown>> {
  switch (format) {
    case 'json':
      return asObject(tryParse(() => JSON.parse(decode(bytes)) as unknown, 'JSON'), 'JSON');
    case 'yaml':
      return asObject(tryParse(() => parseYaml(decode(bytes)) as unknown, 'YAML'), 'YAML');
    case 'csv':
      return csvRecord(decode(bytes));
    case 'text':
      return parseKeyValueText(decode(bytes));
    case 'pdf':
      return parseKeyValueText(await pdfText(bytes));
  }
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
}

function tryParse(parse: () => unknown, what: string): unknown {
  try {
    return parse();
  } catch (error) {
    throw new ValidationError(`the synthesis sheet is not valid ${what}: ${(error as Error).message}`);
  }
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ValidationError(`the ${what} synthesis sheet must be an object of key/value pairs`);
  return value as Record<string, unknown>;
}

function csvRecord(text: string): Record<string, unknown> {
  const rows = tryParse(() => parseCsv(text, { skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][], 'CSV') as string[][];
  if (rows.length === 0) throw new ValidationError('the CSV synthesis sheet is empty');
  const header = rows[0]!;
  const isKeyValueHeader = header.length === 2 && /^(key|field|parameter|property|name)$/i.test(header[0]!) && /^value$/i.test(header[1]!);
  // key,value rows: two columns, and the first column (not the first row) names known fields.
  const twoColumns = rows.every((r) => r.length === 2);
  const firstColumnKnown = rows.filter((r) => fieldForKey(r[0] ?? '') !== undefined).length;
  const headerKnown = header.filter((h) => fieldForKey(h) !== undefined).length;
  if (isKeyValueHeader || (twoColumns && firstColumnKnown > headerKnown)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of isKeyValueHeader ? rows.slice(1) : rows) if (key && !(key in out)) out[key] = value;
    return out;
  }
  const data = rows.slice(1);
  if (data.length !== 1) throw new ValidationError(`the CSV synthesis sheet has ${data.length} batch rows under its header; expected exactly one`);
  return Object.fromEntries(header.map((h, i) => [h, data[0]![i] ?? '']));
}

async function pdfText(bytes: Uint8Array): Promise<string> {
  let text: string;
  try {
    // pdf.js takes ownership of (detaches) the buffer it is given: pass a copy.
    const pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
    const result = await extractText(pdf, { mergePages: true });
    text = result.text;
  } catch (error) {
    throw new ValidationError(`the PDF synthesis sheet could not be read: ${(error as Error).message}`);
  }
  if (!text.trim()) throw new ValidationError('the PDF synthesis sheet has no text layer (scanned?); export it as text or JSON');
  return text;
}
