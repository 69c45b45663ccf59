// The commits pushed from this window whose CI runs are awaited: when a run for one of them finishes, the
// user hears about it once (passed or failed, with a link), even with the CI view hidden.
import type { CiRun, CiState } from './ciModel';

/** How long a pushed commit is followed: CI that has not finished by then is not waited for any more. */
export const FOLLOW_PUSH_MS = 60 * 60_000;
/**
 * A pushed commit no CI has started a run for by then is not built at all (a branch no workflow or job
 * takes): without this it was asked about every 10 s for the whole hour. Longer than a Jenkins job that
 * polls SCM every 15 minutes takes to notice a push.
 */
export const FIRST_RUN_WAIT_MS = 20 * 60_000;
const FINISHED: readonly CiState[] = ['passed', 'failed', 'cancelled'];

interface Followed {
  since: number;
  announced: Set<string>;
  /** Some CI has a run for the commit. */
  seen: boolean;
}

export class PushedCommits {
  private readonly followed = new Map<string, Followed>();

  follow(sha: string, now: number): void {
    if (!this.followed.has(sha)) this.followed.set(sha, { since: now, announced: new Set(), seen: false });
  }

  get following(): boolean {
    return this.followed.size > 0;
  }

  isFollowed(sha: string): boolean {
    return this.followed.has(sha);
  }

  /**
   * The runs of followed commits that finished and were not announced yet. A commit stops being followed
   * once every run seen for it has finished (and at least one was seen), when no run started within
   * FIRST_RUN_WAIT_MS, or after FOLLOW_PUSH_MS.
   */
  finished(runs: readonly CiRun[], now: number): CiRun[] {
    const news: CiRun[] = [];
    for (const [sha, followed] of this.followed) {
      const mine = runs.filter((r) => r.commit === sha);
      for (const run of mine) {
        if (FINISHED.includes(run.state) && !followed.announced.has(run.id)) {
          followed.announced.add(run.id);
          news.push(run);
        }
      }
      if (mine.length > 0) followed.seen = true;
      const allDone = mine.length > 0 && mine.every((r) => FINISHED.includes(r.state) || r.state === 'skipped');
      const neverBuilt = !followed.seen && now - followed.since > FIRST_RUN_WAIT_MS;
      if (allDone || neverBuilt || now - followed.since > FOLLOW_PUSH_MS) this.followed.delete(sha);
    }
    return news;
  }
}
