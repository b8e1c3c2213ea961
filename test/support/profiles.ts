import { DEFAULT_SCORING_SETTINGS, DEFAULT_TILE_SIZE, ScoringSettingsSchema, type ScoringSettings } from '../../lambdas/domain/profile/settings.js';

/**
 * Full scoring settings for a hand-built profile version: the product's defaults (1024² tiles with 32 px overlap,
 * a heatmap floor of 0) under the given overrides. Validated, so a test cannot build settings the codec would refuse.
 */
export function testSettings(overrides: Partial<ScoringSettings> = {}): ScoringSettings {
  return ScoringSettingsSchema.parse({
    ...DEFAULT_SCORING_SETTINGS,
    tiling: { tileSize: DEFAULT_TILE_SIZE, overlap: 32 },
    heatmapLow: 0,
    ...overrides,
  });
}
