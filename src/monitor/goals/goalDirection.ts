// Which way a goal's value should move: its own in conveyor.yml, else down for Lighthouse's timings and layout
// shift (lcp, tbt, cls) and up for everything else. A module of its own so views can say it without the history.
import type { GoalConfig } from '../../core/config/conveyorConfig';

export function goalDirection(goal: GoalConfig): 'up' | 'down' {
  if (goal.direction) return goal.direction;
  return goal.source === 'lighthouse' && goal.metric && goal.metric !== 'performance' ? 'down' : 'up';
}
