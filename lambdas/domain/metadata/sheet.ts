import { ValidationError } from '../errors.js';
import { SynthesisMetadataSchema, type SynthesisMetadata } from './schema.js';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Thrown for a sheet whose known fields have bad values; `details.fields` names each one. */
export class SheetValidationError extends ValidationError {
  constructor(readonly fields: readonly FieldError[]) {
    super(`the synthesis sheet has invalid field(s): ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
  }
}

type KnownField = 'batchId' | 'sampleId' | 'sulfurLoadingWtPct' | 'carbonHost' | 'targetPorosity' | 'particleSizeUm' | 'processNotes' | 'pixelSizeUm';

/** Spellings seen on lab sheets, compared after lower-casing and dropping everything but letters and digits. */
const ALIASES: Readonly<Record<KnownField, readonly string[]>> = {
  batchId: ['batchid', 'batch', 'batchno', 'batchnumber', 'lot', 'lotid', 'lotno', 'lotnumber'],
  sampleId: ['sampleid', 'sample', 'sampleno', 'samplenumber', 'specimen', 'specimenid', 'coupon', 'couponid'],
  sulfurLoadingWtPct: ['sulfurloadingwtpct', 'sulfurloading', 'sulphurloading', 'sloading', 'sulfurcontent', 'sulphurcontent', 'scontent', 'sulfurwt', 'sulfurwtpct', 'sulfurloadingwt'],
  carbonHost: ['carbonhost', 'host', 'carbon', 'hostmaterial', 'carbonmaterial', 'hostcarbon'],
  targetPorosity: ['targetporosity', 'porosity', 'porositytarget', 'targetporositypct', 'porositypct'],
  particleSizeUm: ['particlesizeum', 'particlesize', 'sulfurparticlesize', 'd50', 'particled50', 'particlesized50', 'meanparticlesize', 'd50um'],
  processNotes: ['processnotes', 'notes', 'process', 'comments', 'remarks', 'note'],
  pixelSizeUm: ['pixelsizeum', 'pixelsize', 'pixelsizenm', 'pixelspacing', 'resolution', 'scale'],
};

const KEY_TO_FIELD = new Map<string, KnownField>(
  Object.entries(ALIASES).flatMap(([field, keys]) => keys.map((k) => [k, field as KnownField] as const)),
);

const canonicalKey = (key: string): string => key.toLowerCase().replace(/µ/g, 'u').replace(/[^a-z0-9]/g, '');

/** The known field a sheet key stands for, if any ("Sulfur loading (wt%)" → sulfurLoadingWtPct). */
export function fieldForKey(key: string): KnownField | undefined {
  const k = canonicalKey(key);
  return KEY_TO_FIELD.get(k) ?? KEY_TO_FIELD.get(k.replace(/(wtpct|wt|pct|percent|um|nm|micron|microns)$/, ''));
}

/** A text field of a raw sheet under any spelling lab sheets use (batch, sample...), trimmed; undefined when absent. */
export function sheetText(record: Readonly<Record<string, unknown>> | null | undefined, field: 'batchId' | 'sampleId'): string | undefined {
  for (const [key, value] of Object.entries(record ?? {})) {
    if (fieldForKey(key) === field && (typeof value === 'string' || typeof value === 'number') && String(value).trim() !== '') return String(value).trim();
  }
  return undefined;
}

/**
 * `key: value` lines of free text (PDF text, pasted notes): also accepts `key = value` and tab-separated pairs;
 * lines without a separator and `#` comments are skipped. The first occurrence of a key wins.
 */
export function parseKeyValueText(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([^:=\t]{1,80}?)\s*(?::|=|\t)\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.trim();
    const value = m[2]!.trim();
    if (!key || key in out) continue;
    out[key] = value;
  }
  return out;
}

const NUMBER = /^\s*([+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:e[+-]?\d+)?)\s*(.*?)\s*$/i;

function splitNumber(value: unknown): { n: number; unit: string } | null {
  if (typeof value === 'number') return Number.isFinite(value) ? { n: value, unit: '' } : null;
  if (typeof value !== 'string') return null;
  const m = NUMBER.exec(value);
  if (!m) return null;
  const n = Number(m[1]!.replace(',', '.'));
  return Number.isFinite(n) ? { n, unit: m[2]!.toLowerCase().replace(/\s+/g, '') } : null;
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

function parseLoading(value: unknown): Parsed {
  const s = splitNumber(value);
  if (!s) return { ok: false, message: `expected a sulfur loading such as "70 wt%", got ${JSON.stringify(value)}` };
  if (s.unit === '' && s.n > 0 && s.n < 1) return { ok: true, value: s.n * 100 }; // a bare fraction, 0.7 = 70 wt%
  if (s.unit === '' || /^(wt\.?%|%|wt\.?-?%|wtpct|wt\.?percent|%w\/w|w\/w%)$/.test(s.unit)) return { ok: true, value: s.n };
  return { ok: false, message: `unit "${s.unit}" is not a weight percentage (use wt%)` };
}

function parsePorosity(value: unknown): Parsed {
  const s = splitNumber(value);
  if (!s) return { ok: false, message: `expected a porosity such as "45 %" or 0.45, got ${JSON.stringify(value)}` };
  if (s.unit === '%' || s.unit === 'vol%' || s.unit === 'vol.%') return { ok: true, value: s.n / 100 };
  if (s.unit !== '') return { ok: false, message: `unit "${s.unit}" is not a fraction or a percentage` };
  return { ok: true, value: s.n > 1 ? s.n / 100 : s.n };
}

/** Lengths to µm: µm/um/micron (default), nm, mm; "/px" and "/pixel" suffixes allowed for pixel sizes. */
function parseLengthUm(value: unknown, what: string): Parsed {
  const s = splitNumber(value);
  if (!s) return { ok: false, message: `expected a ${what} such as "2.5 µm", got ${JSON.stringify(value)}` };
  const unit = s.unit.replace(/\/(px|pixel|pix)$/, '').replace('µ', 'u').replace('μ', 'u');
  const factor: Record<string, number> = { '': 1, um: 1, micron: 1, microns: 1, micrometer: 1, micrometre: 1, nm: 1e-3, mm: 1e3 };
  if (!(unit in factor)) return { ok: false, message: `unit "${s.unit}" is not a length (use µm, nm or mm)` };
  return { ok: true, value: s.n * factor[unit]! };
}

function parseText(value: unknown): Parsed {
  if (typeof value === 'string') return { ok: true, value: value.trim() };
  if (typeof value === 'number') return { ok: true, value: String(value) };
  return { ok: false, message: `expected text, got ${JSON.stringify(value)}` };
}

const FIELD_PARSERS: Readonly<Record<KnownField, (v: unknown) => Parsed>> = {
  batchId: parseText,
  sampleId: parseText,
  sulfurLoadingWtPct: parseLoading,
  carbonHost: parseText,
  targetPorosity: parsePorosity,
  particleSizeUm: (v) => parseLengthUm(v, 'particle size'),
  processNotes: parseText,
  pixelSizeUm: (v) => parseLengthUm(v, 'pixel size'),
};

/**
 * Turns a sheet's raw key/value record (any spelling, values with units) into a validated SynthesisMetadata.
 * Unknown keys are kept as given; every bad known field is reported at once (SheetValidationError).
 * A key whose name carries the unit ("Pixel size (nm)") is read in that unit when the value has none.
 */
export function normaliseSheet(record: Readonly<Record<string, unknown>>): SynthesisMetadata {
  const out: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(record)) {
    const field = fieldForKey(key);
    if (!field) {
      if (!(key in out)) out[key] = value;
      continue;
    }
    if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) continue;
    const withKeyUnit = typeof value === 'number' || (typeof value === 'string' && splitNumber(value)?.unit === '') ? unitFromKey(key, value) : value;
    const parsed = FIELD_PARSERS[field](withKeyUnit);
    if (!parsed.ok) errors.push({ field, message: parsed.message });
    else if (!(field in out)) out[field] = parsed.value;
  }
  const result = SynthesisMetadataSchema.safeParse(out);
  if (!result.success) for (const issue of result.error.issues) errors.push({ field: issue.path.join('.') || 'sheet', message: issue.message });
  if (errors.length > 0) throw new SheetValidationError(errors);
  return result.data!;
}

/** "Pixel size (nm): 100" → "100 nm"; "Porosity (%)" → "45 %". */
function unitFromKey(key: string, value: unknown): unknown {
  const m = /[([]\s*([^)\]]+?)\s*[)\]]\s*$/.exec(key);
  return m ? `${value} ${m[1]}` : value;
}
