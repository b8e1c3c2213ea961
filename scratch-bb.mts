import { resolveBackbone } from './lambdas/adapters/local/onnx/model-store.ts';
const r = await resolveBackbone({ model: '/work/shared/models/mobilenetv2-035-imagenet/model.onnx' });
console.log(JSON.stringify(r.descriptor), r.manifestSource);
