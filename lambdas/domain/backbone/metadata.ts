import { ValidationError } from '../errors.js';
import { parseBackboneManifest, type BackboneManifest } from './manifest.js';

/** What the adapter reads from an ONNX graph besides its metadata_props. */
export interface GraphSummary {
  readonly inputName: string;
  /** Static channel count of the input (NCHW dim 1), when the graph declares one. */
  readonly inputChannels?: number;
  /** Static channel count per graph output, when declared. */
  readonly outputChannels: ReadonlyMap<string, number>;
}

/** A full manifest stored as JSON under this metadata key wins over the loose keys below. */
export const MANIFEST_METADATA_KEY = 'mmdo_manifest';

const DEFAULT_TILE = 512;

/**
 * Builds a manifest from an ONNX model's metadata_props. Understands a full JSON manifest under `mmdo_manifest`,
 * or the loose keys `preprocess` (e.g. `rgb/127.5-1`), `input_layout` (`... multiples of 32`) and
 * `outputs` (`name:stride4,name:stride8`). Throws a ValidationError naming every missing piece.
 */
export function manifestFromMetadata(
  props: ReadonlyMap<string, string>,
  graph: GraphSummary,
  id: string,
): BackboneManifest {
  const source = `metadata_props of ${id}`;
  const full = props.get(MANIFEST_METADATA_KEY);
  if (full !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(full);
    } catch {
      throw new ValidationError(`${source}: '${MANIFEST_METADATA_KEY}' is not JSON`);
    }
    return parseBackboneManifest(json, source);
  }

  const missing: string[] = [];
  const preprocess = parsePreprocess(props.get('preprocess'));
  if (!preprocess) missing.push("'preprocess' (e.g. rgb/127.5-1)");
  const outputs = parseOutputs(props.get('outputs'), graph.outputChannels);
  if (!outputs) missing.push("'outputs' (e.g. layer:stride8,layer:stride16)");
  const unknownChannels = outputs?.filter((o) => o.channels === undefined).map((o) => o.name) ?? [];
  if (unknownChannels.length) missing.push(`static channel counts for outputs ${unknownChannels.join(', ')}`);
  if (missing.length || !preprocess || !outputs) {
    throw new ValidationError(
      `cannot describe backbone ${id}: no manifest file beside it and its metadata_props lack ${missing.join('; ')}. ` +
        'Write <model>.manifest.json next to the model with id, input {channels, sizeMultiple, tileSize, preprocess}, ' +
        'outputs [{name, stride, channels}], patchLayers and embeddingLayer.',
      { missing },
    );
  }
  const sizeMultiple = Number(/multiples? of (\d+)/i.exec(props.get('input_layout') ?? '')?.[1] ?? Math.max(...outputs.map((o) => o.stride)));
  const channels = preprocess.channels ?? graph.inputChannels ?? 3;
  const byStride = [...outputs].sort((a, b) => a.stride - b.stride);
  const mid = byStride.filter((o) => o.stride === 8 || o.stride === 16).map((o) => o.name);
  const patchLayers = mid.length ? mid : [byStride[Math.floor((byStride.length - 1) / 2)]!.name];
  return parseBackboneManifest(
    {
      id,
      input: {
        name: graph.inputName,
        channels,
        range: preprocess.range,
        preprocess: preprocess.preprocess,
        sizeMultiple,
        tileSize: Math.max(sizeMultiple, Math.round(DEFAULT_TILE / sizeMultiple) * sizeMultiple),
      },
      outputs,
      patchLayers,
      embeddingLayer: byStride[byStride.length - 1]!.name,
    },
    source,
  );
}

/** `rgb/127.5-1` → 0..255 pixels / 127.5 − 1; `grey/255` → 0..1; `rgb/255-mean-std` is not supported. */
function parsePreprocess(value: string | undefined) {
  const m = /^\s*(rgb|bgr|grey|gray)\s*\/\s*([\d.]+)\s*(?:([+-])\s*([\d.]+))?\s*$/i.exec(value ?? '');
  if (!m) return undefined;
  const divisor = Number(m[2]);
  if (!(divisor > 0)) return undefined;
  const offset = m[4] === undefined ? 0 : Number(m[4]) * (m[3] === '-' ? -1 : 1);
  return {
    channels: m[1]!.toLowerCase().startsWith('gr') ? (1 as const) : (3 as const),
    range: 255 as const,
    preprocess: { kind: 'affine' as const, scale: 1 / divisor, offset },
  };
}

function parseOutputs(value: string | undefined, channels: ReadonlyMap<string, number>) {
  if (!value) return undefined;
  const list = value.replace(/\(.*?\)/g, '').split(',').map((s) => s.trim()).filter(Boolean);
  const outputs: { name: string; stride: number; channels: number | undefined }[] = [];
  for (const item of list) {
    const m = /^([^:\s]+)\s*:\s*stride\s*(\d+)$/i.exec(item);
    if (!m) return undefined;
    outputs.push({ name: m[1]!, stride: Number(m[2]), channels: channels.get(m[1]!) });
  }
  return outputs.length ? outputs : undefined;
}
