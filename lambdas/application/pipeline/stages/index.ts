import type { StageName } from '../definition.js';
import type { PipelineDeps } from '../deps.js';
import type { InspectionState, StageResults } from '../state.js';
import { density } from './density.js';
import { embed } from './embed.js';
import { fuse } from './fuse.js';
import { ingest } from './ingest.js';
import { microstructure } from './microstructure.js';
import { normalise } from './normalise.js';
import { novelty } from './novelty.js';
import { patch } from './patch.js';
import { render } from './render.js';
import { replicates } from './replicates.js';
import { forecast } from './forecast.js';
import { write } from './write.js';

export type StageFunction<K extends StageName> = (state: InspectionState, deps: PipelineDeps) => Promise<StageResults[K]>;

/** The function of every stage in ../definition.ts. */
export const STAGE_FUNCTIONS: { readonly [K in StageName]: StageFunction<K> } = {
  ingest, microstructure, normalise, density, embed, patch, novelty, replicates, forecast, fuse, render, write,
};
