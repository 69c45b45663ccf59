// How far round the loop the user has been, for the first-run walkthrough (package.json
// contributes.walkthroughs): each step completes when its context key turns true.

export const LOOP_STEPS = ['hasConfig', 'pipelineRan', 'workStarted', 'released', 'deployed', 'errorMapped'] as const;
export type LoopStep = (typeof LOOP_STEPS)[number];
export type LoopProgress = Record<LoopStep, boolean>;

export function progressContextKey(step: LoopStep): string {
  return `conveyor.walkthrough.${step}`;
}
