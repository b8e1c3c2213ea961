import { z } from 'zod';
import type { BackboneDescriptor } from './descriptor.js';
import { ValidationError } from '../errors.js';

/**
 * How pixels become network input. Grey values arrive in 0..1; they are first multiplied by `range`
 * (1 or 255, the range the network was trained on), then either `x * scale + offset` or `(x - mean[c]) / std[c]`.
 */
const affineSchema = z.object({ kind: z.literal('affine'), scale: z.number().finite(), offset: z.number().finite() });
const meanStdSchema = z.object({
  kind: z.literal('meanStd'),
  mean: z.array(z.number().finite()).min(1).max(3),
  std: z.array(z.number().positive()).min(1).max(3),
});

export const backboneManifestSchema = z
  .object({
    schemaVersion: z.literal(1).default(1),
    id: z.string().min(1).max(200),
    /** sha256 of the ONNX file the manifest describes; checked on load when present. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    input: z.object({
      name: z.string().min(1).optional(),
      /** 3: the grey channel is replicated to RGB. */
      channels: z.union([z.literal(1), z.literal(3)]),
      range: z.union([z.literal(1), z.literal(255)]).default(1),
      preprocess: z.discriminatedUnion('kind', [affineSchema, meanStdSchema]).default({ kind: 'affine', scale: 1, offset: 0 }),
      sizeMultiple: z.number().int().positive().max(1024),
      tileSize: z.number().int().positive().max(8192),
    }),
    outputs: z
      .array(z.object({ name: z.string().min(1), stride: z.number().int().positive(), channels: z.number().int().positive() }))
      .min(1),
    patchLayers: z.array(z.string().min(1)).min(1),
    embeddingLayer: z.string().min(1),
  })
  .superRefine((m, ctx) => {
    const names = new Set(m.outputs.map((o) => o.name));
    for (const layer of [...m.patchLayers, m.embeddingLayer]) {
      if (!names.has(layer)) ctx.addIssue({ code: 'custom', message: `layer '${layer}' is not among the outputs` });
    }
    if (m.input.tileSize % m.input.sizeMultiple !== 0) {
      ctx.addIssue({ code: 'custom', message: `tileSize ${m.input.tileSize} is not a multiple of sizeMultiple ${m.input.sizeMultiple}` });
    }
    if (m.input.preprocess.kind === 'meanStd') {
      const { mean, std } = m.input.preprocess;
      if (mean.length !== std.length || (mean.length !== 1 && mean.length !== m.input.channels)) {
        ctx.addIssue({ code: 'custom', message: 'mean and std need one value, or one per input channel' });
      }
    }
  });

export type BackboneManifest = z.infer<typeof backboneManifestSchema>;
export type BackboneManifestInput = z.input<typeof backboneManifestSchema>;

export function parseBackboneManifest(value: unknown, source: string): BackboneManifest {
  const parsed = backboneManifestSchema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(`backbone manifest from ${source} is invalid: ${z.prettifyError(parsed.error)}`, { source });
  }
  return parsed.data;
}

/** Overrides a caller may give for which outputs feed patch scoring and the image embedding. */
export interface LayerChoice {
  readonly patchLayers?: readonly string[];
  readonly embeddingLayer?: string;
}

export function withLayerChoice(manifest: BackboneManifest, choice: LayerChoice, source: string): BackboneManifest {
  if (!choice.patchLayers && !choice.embeddingLayer) return manifest;
  return parseBackboneManifest(
    {
      ...manifest,
      patchLayers: choice.patchLayers ? [...choice.patchLayers] : manifest.patchLayers,
      embeddingLayer: choice.embeddingLayer ?? manifest.embeddingLayer,
    },
    source,
  );
}

export function descriptorOf(manifest: BackboneManifest, sha256: string): BackboneDescriptor {
  return {
    id: manifest.id,
    sha256,
    sizeMultiple: manifest.input.sizeMultiple,
    tileSize: manifest.input.tileSize,
    layers: manifest.outputs.map(({ name, stride, channels }) => ({ name, stride, channels })),
    patchLayers: [...manifest.patchLayers],
    embeddingLayer: manifest.embeddingLayer,
  };
}

/** Per-channel multiply-add equivalent of the preprocessing: input = grey * a[c] + b[c]. */
export function preprocessCoefficients(manifest: BackboneManifest): { a: Float32Array; b: Float32Array } {
  const { channels, range, preprocess } = manifest.input;
  const a = new Float32Array(channels);
  const b = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    if (preprocess.kind === 'affine') {
      a[c] = range * preprocess.scale;
      b[c] = preprocess.offset;
    } else {
      const mean = preprocess.mean[preprocess.mean.length === 1 ? 0 : c]!;
      const std = preprocess.std[preprocess.std.length === 1 ? 0 : c]!;
      a[c] = range / std;
      b[c] = -mean / std;
    }
  }
  return { a, b };
}
