/** A backbone as the pipeline knows it: its outputs, strides and which of them make patch features and the embedding. */
export interface BackboneLayer {
  readonly name: string;
  readonly stride: number;
  readonly channels: number;
}

/** What a report records about the network that embedded an image, and what the pipeline needs to use it. */
export interface BackboneDescriptor {
  readonly id: string;
  readonly sha256: string;
  /** Input sides must be a multiple of this (e.g. 32). */
  readonly sizeMultiple: number;
  /** Preferred tile side in pixels; larger images are tiled with overlap. */
  readonly tileSize: number;
  readonly layers: readonly BackboneLayer[];
  /** Mid-level outputs used for patch features (PatchCore). */
  readonly patchLayers: readonly string[];
  /** Output whose global average is the image embedding. */
  readonly embeddingLayer: string;
}
