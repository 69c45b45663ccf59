// The names the stages share to link the loop: the annotations the deploy stage stamps on a Deployment (and
// its pod template) so whoever reads the cluster can walk back to the release, its commit and its image. One
// definition here, below every stage: deploy writes and reads them, the loop's trace names them.

/** The release version running there (`1.4.0`). */
export const ANNOTATION_RELEASE = 'conveyor.dev/release';
/** The commit the release was built from. */
export const ANNOTATION_COMMIT = 'conveyor.dev/commit';
/** The image digest deployed (`sha256:…`). */
export const ANNOTATION_DIGEST = 'conveyor.dev/digest';
/** Kubernetes' own rollout history column (`kubectl rollout history`). */
export const ANNOTATION_CHANGE_CAUSE = 'kubernetes.io/change-cause';
/** Kubernetes' revision of a Deployment and its ReplicaSets. */
export const ANNOTATION_REVISION = 'deployment.kubernetes.io/revision';

/** Every annotation a deploy sets: a rollback restores them together. */
export const RELEASE_ANNOTATIONS: readonly string[] = [ANNOTATION_RELEASE, ANNOTATION_COMMIT, ANNOTATION_DIGEST, ANNOTATION_CHANGE_CAUSE];
