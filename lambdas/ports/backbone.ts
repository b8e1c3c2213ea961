import type { GreyImage } from '../domain/image/grey-image.js';
import type { FeatureMap } from '../domain/features/feature-map.js';

export type { BackboneDescriptor, BackboneLayer } from '../domain/backbone/descriptor.js';
import type { BackboneDescriptor } from '../domain/backbone/descriptor.js';

/** A feature extractor. Tiles in one call share a size; preprocessing from the manifest happens inside. */
export interface Backbone {
  readonly descriptor: BackboneDescriptor;
  /** One FeatureMap per requested layer (all patch layers and the embedding layer) for each tile. */
  extract(tiles: readonly GreyImage[]): Promise<FeatureMap[][]>;
  dispose(): Promise<void>;
}
