import type { EvaluationWorkspace } from '../../../application/evaluate/evaluate.js';
import type { Backbone } from '../../../ports/backbone.js';
import { inProcessWorkspace } from '../../scoring/workspace.js';
import { LocalVectorIndexFactory } from '../vector-index/index.js';

/** Evaluation's own profile in memory, scored by the same local adapters as inspection (ONNX backbone, in-process bank). */
export function evaluationWorkspace(backbone: Backbone, index: 'exact' | 'approximate'): EvaluationWorkspace {
  return inProcessWorkspace(backbone, new LocalVectorIndexFactory(), index);
}
