import type { EvaluationWorkspace } from '../../../application/evaluate/evaluate.js';
import type { Backbone } from '../../../ports/backbone.js';
import type { BackboneSource } from '../../onnx/onnx-backbone.js';
import { inProcessWorkspace } from '../../scoring/workspace.js';
import { DomainWorker } from '../../../local/domain-worker.js';
import { LocalVectorIndexFactory } from '../vector-index/index.js';

/**
 * Evaluation's own profile in memory, scored by the same local adapters as inspection (ONNX backbone, in-process
 * bank), the microstructure analysis (and, for an ONNX backbone, the density's views) on a domain thread of its own
 * beside the backbone, as in the local runtime.
 */
export function evaluationWorkspace(backbone: Backbone & { readonly source?: BackboneSource }, index: 'exact' | 'approximate'): EvaluationWorkspace {
  const workspace = inProcessWorkspace(backbone, new LocalVectorIndexFactory(), index);
  const offload = new DomainWorker(backbone.source ? { backbone: backbone.source } : {});
  return {
    ...workspace,
    offload,
    dispose: async () => {
      await offload.close();
      await workspace.dispose();
    },
  };
}
