import type { GreyImage } from '../domain/image/grey-image.js';
import type { FeatureMap } from '../domain/features/feature-map.js';

export type { BackboneDescriptor, BackboneLayer } from '../domain/backbone/descriptor.js';
import type { BackboneDescriptor } from '../domain/backbone/descriptor.js';

/** A feature extractor. Tiles in one call share a size; preprocessing from the manifest happens inside. */
export interface Backbone {
  readonly descriptor: BackboneDescriptor;
  /**
   * One FeatureMap per layer for each tile: the patch layers and the embedding layer, or at least `layers` when
   * given (an implementation may compute only those: a hint that saves work, not a filter callers rely on).
   */
  extract(tiles: readonly GreyImage[], layers?: readonly string[]): Promise<FeatureMap[][]>;
  dispose(): Promise<void>;
}
