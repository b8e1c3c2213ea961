import { analyseMicrostructure } from '../../domain/microstructure/index.js';
import type { Modality } from '../../domain/microstructure/index.js';
import type { InspectionStage, InspectionStageInput, InspectionStageOutput } from '../contracts.js';

const MODALITIES: readonly Modality[] = ['sem', 'optical', 'afm'];

/**
 * The microstructure stage of an inspection: phases, particles, pores, cracks and voids measured on the original
 * micrograph (at its own pixel size, so sizes come out in µm), checked against the declared synthesis sheet.
 * Its consistency score joins the fused score; the phase overlay is stored beside the heatmap.
 */
export class MicrostructureStage implements InspectionStage {
  readonly name = 'microstructure';

  constructor(private readonly defaultModality: Modality = 'sem') {}

  async run(input: InspectionStageInput): Promise<InspectionStageOutput> {
    const analysis = analyseMicrostructure(input.original, {
      ...(input.pixelSizeUm ? { pixelSizeUm: input.pixelSizeUm } : {}),
      metadata: input.metadata ?? null,
      modality: modalityOf(input.metadata) ?? this.defaultModality,
    });
    return {
      component: { raw: analysis.consistency.raw, calibrated: analysis.consistency.calibrated, weight: 1 },
      microstructure: analysis.microstructure,
      findings: analysis.findings,
      images: { phases: analysis.phaseOverlay },
    };
  }
}

/** A sheet may say which instrument took the image (`modality: optical`); anything else falls back to the default. */
function modalityOf(metadata: Record<string, unknown> | undefined): Modality | undefined {
  const value = metadata?.['modality'];
  return typeof value === 'string' && (MODALITIES as readonly string[]).includes(value.toLowerCase())
    ? (value.toLowerCase() as Modality)
    : undefined;
}
