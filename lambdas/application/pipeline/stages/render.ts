import { findRegions } from '../../../domain/regions/regions.js';
import { heatmapBounds, renderHeatmap, renderOverlay } from '../../../domain/render/heatmap.js';
import type { PipelineDeps } from '../deps.js';
import { reportArtifactKey, requireResults, type InspectionState, type StageResults } from '../state.js';

/**
 * Render: heatmap, overlay (micrograph, colour where anomalous, region outlines), phases and the micrograph itself
 * as PNGs beside the report. The micrograph is the image as ingested (decoded, grey, full resolution) in 8 bits, so a
 * browser can show a 16-bit or TIFF upload; one grey PNG costs a fraction of the RGB overlay.
 */
export async function render(state: InspectionState, deps: PipelineDeps): Promise<StageResults['render']> {
  const { job, ingest, patch, microstructure } = requireResults(state, 'ingest', 'patch', 'microstructure');
  const profile = await deps.profiles.describe(job.tenant, ingest.profile.name, ingest.profile.version);
  const [original, map, phases] = await Promise.all([
    deps.scratch.getGrey(ingest.original), deps.scratch.getGrey(patch.map), deps.scratch.getRgba(microstructure.phases),
  ]);
  const threshold = profile.calibration.pixelThreshold;
  const bounds = heatmapBounds(threshold, profile.settings.heatmapLow);
  const { labels } = findRegions(map, { threshold });
  const images = {
    heatmap: renderHeatmap(map, bounds),
    overlay: renderOverlay(original, map, { bounds, labels }),
    phases,
    micrograph: original,
  };
  const artifacts: Record<string, string> = {};
  await Promise.all(Object.entries(images).map(async ([name, image]) => {
    const key = reportArtifactKey(job.tenant, job.reportId, `${name}.png`);
    await deps.artifacts.put(key, await deps.encoder.encodePng(image), 'image/png');
    artifacts[name] = key;
  }));
  return { artifacts: Object.fromEntries(Object.keys(images).map((k) => [k, artifacts[k]!])) };
}
