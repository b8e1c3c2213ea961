import { resolveRecipe } from '../../lambdas/application/profile-builder.js';
import { DEFAULT_SCORING_SETTINGS } from '../../lambdas/domain/profile/settings.js';
import type { ProfileVersion } from '../../lambdas/domain/profile/profile.js';
import type { Backbone, BackboneDescriptor } from '../../lambdas/ports/backbone.js';

const descriptor: BackboneDescriptor = {
  id: 'descriptor-only', sha256: 'x', sizeMultiple: 32, tileSize: 512,
  layers: [{ name: 'a', stride: 8, channels: 96 }, { name: 'e', stride: 32, channels: 1280 }],
  patchLayers: ['a'], embeddingLayer: 'e',
};
// resolveRecipe reads only the descriptor.
const backbone = { descriptor } as Backbone;

describe('resolveRecipe: the settings a new version is built with', () => {
  const first = resolveRecipe(backbone, undefined);

  it('a new profile gets the product defaults, the density pooling the embedding layer', () => {
    // The embedding layer is stride 32: the density's map also reads the coarsest layer of stride 16 or finer.
    expect(first.settings.density).toEqual({ ...DEFAULT_SCORING_SETTINGS.density, layers: ['e'], mapLayers: ['a'] });
  });

  it('the density\'s map also reads the coarsest layer of stride 16 or finer, for new profiles; a later version keeps its own', () => {
    const finer = { descriptor: { ...descriptor, layers: [...descriptor.layers, { name: 'm', stride: 16, channels: 192 }] } } as unknown as Backbone;
    const fresh = resolveRecipe(finer, undefined);
    expect(fresh.settings.density).toMatchObject({ layers: ['e'], mapLayers: ['m'] });
    const before = {
      features: { ...fresh.features, coresetMaxSize: fresh.maxBankSize },
      settings: { ...fresh.settings, heatmapLow: 0.1, tiling: { tileSize: fresh.settings.tileSize, overlap: 32 }, density: { ...fresh.settings.density, mapLayers: [] } },
    } as Pick<ProfileVersion, 'features' | 'settings'>;
    expect(resolveRecipe(finer, before).settings.density.mapLayers).toEqual([]);
    expect(resolveRecipe(finer, undefined, { settings: { density: { mapLayers: ['a'] } } }).settings.density.mapLayers).toEqual(['a']);
    // An embedding layer of stride 16 or finer needs none.
    expect(resolveRecipe(finer, undefined, { settings: { density: { layers: ['m'] } } }).settings.density.mapLayers).toEqual([]);
    expect(() => resolveRecipe(finer, undefined, { settings: { density: { mapLayers: ['nope'] } } })).toThrow(/no output 'nope' for the density's map/);
  });

  it('a later version keeps the previous density settings; an override changes only the fields it names', () => {
    const previous = {
      features: { ...first.features, coresetMaxSize: first.maxBankSize },
      settings: { ...first.settings, heatmapLow: 0.1, tiling: { tileSize: first.settings.tileSize, overlap: 32 }, density: { ...first.settings.density, enabled: false, shortSide: 320 } },
    } as Pick<ProfileVersion, 'features' | 'settings'>;
    expect(resolveRecipe(backbone, previous).settings.density).toMatchObject({ enabled: false, shortSide: 320, views: 8 });
    expect(resolveRecipe(backbone, previous, { settings: { density: { enabled: true, views: 4 } } }).settings.density)
      .toEqual({ ...DEFAULT_SCORING_SETTINGS.density, layers: ['e'], mapLayers: ['a'], enabled: true, shortSide: 320, views: 4 });
  });

  it('declared rates change only the rates of the previous version\'s operating point', () => {
    const operating = { ...first.settings.operating, suspectRate: 0.05, source: 'conformal' as const, calibrationSize: 120 };
    const previous = {
      features: { ...first.features, coresetMaxSize: first.maxBankSize },
      settings: { ...first.settings, heatmapLow: 0.1, tiling: { tileSize: first.settings.tileSize, overlap: 32 }, operating },
    } as Pick<ProfileVersion, 'features' | 'settings'>;
    expect(resolveRecipe(backbone, previous).settings.operating).toEqual(operating);
    expect(resolveRecipe(backbone, previous, { settings: { operating: { falseAlarmRate: 0.01 } } }).settings.operating).toEqual({ ...operating, falseAlarmRate: 0.01 });
    expect(resolveRecipe(backbone, undefined, { settings: { operating: { suspectRate: 0.02 } } }).settings.operating).toEqual({ ...DEFAULT_SCORING_SETTINGS.operating, suspectRate: 0.02 });
    // Anomalous images are flagged too: a false-alarm rate above the suspect rate (given or inherited) is refused.
    expect(() => resolveRecipe(backbone, previous, { settings: { operating: { falseAlarmRate: 0.1 } } })).toThrow(/false-alarm rate \(0\.1, .*\) cannot exceed the suspect rate \(0\.05/);
  });

  it('refuses density layers the backbone does not have', () => {
    expect(() => resolveRecipe(backbone, undefined, { settings: { density: { layers: ['nope'] } } })).toThrow(/no output 'nope' for the density component/);
  });
});
