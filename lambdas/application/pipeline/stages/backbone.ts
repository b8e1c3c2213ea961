import { MmdoError } from '../../../domain/errors.js';
import type { BackboneDescriptor } from '../../../ports/backbone.js';
import type { ProfileDescription } from '../../../ports/inspection.js';

/** Features are comparable only with the backbone the profile was enrolled with. */
export function requireProfileBackbone(profile: Pick<ProfileDescription, 'name' | 'version' | 'backbone'>, d: BackboneDescriptor): void {
  if (profile.backbone.sha256 === d.sha256) return;
  throw new MmdoError('backbone_mismatch',
    `profile '${profile.name}' v${profile.version} was enrolled with backbone ${profile.backbone.id}, but this pipeline runs ${d.id}; ` +
    're-enrol the profile, or run the backbone it was built with', 409, { profileBackbone: profile.backbone, backbone: { id: d.id, sha256: d.sha256 } });
}
