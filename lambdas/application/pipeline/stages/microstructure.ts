import { analyseMicrostructure } from '../../../domain/microstructure/index.js';
import type { PipelineDeps } from '../deps.js';
import { requireResults, type InspectionState, type StageResults } from '../state.js';

/**
 * Microstructure and consistency: phases, particles, pores, cracks and voids measured on the original micrograph
 * (at its own pixel size, so sizes come out in µm), checked against the declared synthesis sheet.
 */
export async function microstructure(state: InspectionState, deps: PipelineDeps): Promise<StageResults['microstructure']> {
  const { ingest } = requireResults(state, 'ingest');
  const original = await deps.scratch.getGrey(ingest.original);
  const analysis = analyseMicrostructure(original, {
    ...(ingest.pixelSizeUm ? { pixelSizeUm: ingest.pixelSizeUm } : {}),
    metadata: ingest.metadata,
    modality: ingest.modality,
  });
  return {
    consistency: analysis.consistency,
    detail: deps.scratch.putJson('microstructure', { microstructure: analysis.microstructure, findings: analysis.findings }),
    phases: deps.scratch.putRgba('phases', analysis.phaseOverlay),
  };
}
