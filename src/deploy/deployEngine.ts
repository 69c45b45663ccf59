// The deploy engine's public API, bundled on its own (dist/deployEngine.js) because it carries
// @kubernetes/client-node: the extension loads it on the first deploy or Environments refresh.
export { DeployError, isDeployError } from './deployError';
export type { DeployErrorKind, DeployErrorDetails } from './deployError';
export { loadKubeConfig, kubeconfigFiles, listContexts, contextNamespace, withContext, persistContextSwitch } from './kubeconfigLoader';
export type { KubeConfigSource, LoadedKubeConfig, KubeContextInfo } from './kubeconfigLoader';
export { resolveEnvironments, environmentsForContexts, findEnvironment, manifestSourceOf } from './environments';
export type { ManifestSource } from './environments';
export { renderKustomization, kustomizeCommand } from './kustomize';
export type { EnvironmentDefinition } from './environments';
export { readManifestFolder, parseManifests, renderManifests, releaseAnnotations, normalizeRepository } from './renderManifests';
export type { ReleaseToDeploy, ManifestDocument, RenderedObject, RenderOptions } from './renderManifests';
export { planDeploy, summarizeChange } from './deployPlan';
export type { DeployPlan, PlannedObject, PlanAction } from './deployPlan';
export { applyObjects, applyOrder } from './deployApply';
export { followRollout, rolloutState, workloadRolloutState, podProblems, newReplicaSetProblems } from './rollout';
export { notFollowedReason, isFollowedKind } from './workloadStatus';
export type { FollowedKind, WorkloadRef } from './workloadStatus';
export type { RolloutProgress, RolloutResult, RolloutStatus, PodProblem, FollowRolloutOptions } from './rollout';
export { rollbackDeployment, rollbackTarget, rollbackFromHistory } from './rollback';
export type { RollbackResult } from './rollback';
export { deployRelease, rollBack, connectEnvironment } from './deployFlow';
export type {
  DeployOptions,
  DeployResult,
  DeployProgress,
  DeployStep,
  RollbackOutcome,
  RollBackOptions,
  ConnectedEnvironment,
} from './deployFlow';
export { KubeClient } from './kubeClient';
export { selectRelease } from './releaseChoice';
// For the extension's Environments view and commands (the lead's UI layer).
export { listReleaseRecords } from '../release/gitRelease';
export { describePlan, describeResult } from './deployText';
export { ClusterWatch } from './operate/clusterWatch';
export { isScalable, scaleWorkload } from './operate/scale';
export { autoscaleDeployment, autoscalerOf, boundsOf, removeAutoscaling } from './operate/autoscale';
export type { AutoscaleBounds, HorizontalPodAutoscaler } from './operate/autoscale';
export { restartWorkload } from './operate/restart';
export { deletePod } from './operate/deletePod';
export { streamLogs } from './operate/logs';
export { listEvents } from './operate/events';
export { findTerraformFiles, findTerraform, terraformPlan, terraformApply } from './operate/terraform';
export { PortForwards, forwardPortChoices, forwardableServices } from './operate/portForward';
export type { ForwardInfo, ForwardRequest, PortForwardsOptions } from './operate/portForward';
export type { ForwardTarget, PortChoice } from './operate/portForwardTarget';
