import type { GreyImage, RgbaImage } from '../../../domain/image/grey-image.js';
import { findRegions, regionMask } from '../../../domain/regions/regions.js';
import { heatmapBounds, renderHeatmap, renderOverlay } from '../../../domain/render/heatmap.js';
import type { PipelineDeps } from '../deps.js';
import { reportArtifactKey, requireResults, type InspectionState, type StageResults } from '../state.js';

/**
 * Above this many pixels the images are made, encoded and stored one at a time, each dropped before the next is
 * made (at 64 MP every RGBA image is 256 MB); below it all four are encoded at once (the encoder works off-thread).
 */
export const RENDER_ONE_AT_A_TIME_PIXELS = 4096 * 4096;

/**
 * Render: heatmap, overlay (micrograph, colour where anomalous, region outlines), phases and the micrograph itself
 * as PNGs beside the report. The micrograph is the image as ingested (decoded, grey, full resolution) in 8 bits, so a
 * browser can show a 16-bit or TIFF upload; one grey PNG costs a fraction of the RGB overlay.
 */
export async function render(state: InspectionState, deps: PipelineDeps): Promise<StageResults['render']> {
  const { job, ingest, patch, microstructure } = requireResults(state, 'ingest', 'patch', 'microstructure');
  const profile = await deps.profiles.describe(job.tenant, ingest.profile.name, ingest.profile.version);
  const threshold = profile.calibration.pixelThreshold;
  const bounds = heatmapBounds(threshold, profile.settings.heatmapLow);
  const map = () => deps.scratch.getGrey(patch.map);
  const original = () => deps.scratch.getGrey(ingest.original);
  const images: Record<'heatmap' | 'overlay' | 'phases' | 'micrograph', () => Promise<RgbaImage | GreyImage>> = {
    heatmap: async () => renderHeatmap(await map(), bounds),
    overlay: async () => {
      const scores = await map();
      // The regions' byte mask is made before the micrograph is read, so that their 32-bit labels can be collected.
      const regions = regionMask(findRegions(scores, { threshold }).labels);
      return renderOverlay(await original(), scores, { bounds, regions });
    },
    phases: () => deps.scratch.getRgba(microstructure.phases),
    micrograph: original,
  };
  const artifacts: Record<string, string> = {};
  const put = async ([name, make]: [string, () => Promise<RgbaImage | GreyImage>]) => {
    const key = reportArtifactKey(job.tenant, job.reportId, `${name}.png`);
    await deps.artifacts.put(key, await deps.encoder.encodePng(await make()), 'image/png');
    artifacts[name] = key;
  };
  const { width = 0, height = 0 } = ingest.input;
  if (width * height > RENDER_ONE_AT_A_TIME_PIXELS) {
    for (const entry of Object.entries(images)) await put(entry);
  } else {
    await Promise.all(Object.entries(images).map(put));
  }
  return { artifacts: Object.fromEntries(Object.keys(images).map((k) => [k, artifacts[k]!])) };
}
