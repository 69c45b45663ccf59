// Keeps one folder's remote CI current, following the polling policy (ciPollSchedule.ts): conditional requests
// for GitHub runs, jobs fetched once for finished runs and while active for running ones, Jenkins jobs,
// builds and queue. Plain TypeScript with an injectable clock, so the benchmark can count requests over a
// simulated minute.
import type { CiJob, CiRun, Conditional, RateBudget } from './ciModel';
import { isActive } from './ciStatus';
import { nextPollDelay } from './ciPollSchedule';
import type { CiViewState, JenkinsJobRow } from './ciModel';
import { realClock } from '../core/clock';
import type { Clock } from '../core/clock';
import type { ServiceError } from '../core/errors';
import { messageOf } from '../core/errors';

export interface GitHubSource {
  owner: string;
  repo: string;
  runsFor(owner: string, repo: string, query: { branch?: string; perPage?: number }, etag?: string): Promise<Conditional<CiRun[]>>;
  jobsFor(owner: string, repo: string, runId: string, etag?: string): Promise<Conditional<CiJob[]>>;
  rateBudget(): RateBudget | undefined;
}

export interface JenkinsSource {
  jobs(): Promise<JenkinsJobRow[]>;
  builds(fullName: string, limit?: number): Promise<CiRun[]>;
  queue(): Promise<{ name: string; why?: string }[]>;
}

const RUNS_PER_PAGE = 20;
/** Jobs are fetched for the newest runs only; older ones are rarely opened. */
const RUNS_WITH_JOBS = 5;
const JENKINS_JOBS_WITH_BUILDS = 5;
const ERROR_BACKOFF_MS = [30_000, 60_000, 120_000, 300_000];

export class CiPoller {
  private readonly jobsFetchedAt = new Map<string, string>();
  private readonly jobEtags = new Map<string, string>();
  private readonly jobs = new Map<string, CiJob[]>();
  private runsEtag: string | undefined;
  private timer: unknown;
  private visible = false;
  private watchedRun: string | undefined;
  private followingPush = false;
  private failures = 0;
  private retryAfterMs: number | undefined;
  private refreshing: Promise<void> | undefined;
  private disposed = false;
  state: CiViewState = {};

  constructor(
    private readonly source: { github?: GitHubSource; jenkins?: JenkinsSource; jenkinsJobs?: string[]; branch?: string },
    private readonly onChange: (state: CiViewState) => void,
    private readonly clock: Clock = realClock,
  ) {
    if (source.github) this.state.github = { runs: [], jobs: this.jobs, loading: false, branch: source.branch };
    if (source.jenkins) this.state.jenkins = { jobs: [], builds: new Map(), queue: [], loading: false };
  }

  setVisible(visible: boolean): void {
    const becameVisible = visible && !this.visible;
    this.visible = visible;
    if (becameVisible) void this.refresh();
    else this.schedule();
  }

  /** Follow a run (its log is open, or it was started from here) until it finishes, even with the view hidden. */
  watch(runId: string | undefined): void {
    this.watchedRun = runId;
    this.schedule();
  }

  /** Keep asking, view hidden or not, while a pushed commit's runs are awaited (see PushedCommits). */
  setFollowingPush(following: boolean): void {
    if (following === this.followingPush) return;
    this.followingPush = following;
    this.schedule();
  }

  refresh(): Promise<void> {
    this.refreshing ??= this.fetchAll().finally(() => {
      this.refreshing = undefined;
      this.schedule();
    });
    return this.refreshing;
  }

  dispose(): void {
    this.disposed = true;
    this.clock.clearTimeout(this.timer);
  }

  private schedule(): void {
    this.clock.clearTimeout(this.timer);
    if (this.disposed) return;
    const runs = this.state.github?.runs ?? [];
    const watched = this.watchedRun ? runs.find((r) => r.id === this.watchedRun) : undefined;
    const delay = nextPollDelay({
      visible: this.visible,
      watchingActiveRun: (watched ? isActive(watched.state) : false) || this.followingPush,
      anyActiveRun: runs.some((r) => isActive(r.state)) || (this.state.jenkins?.queue.length ?? 0) > 0,
      budget: this.source.github?.rateBudget(),
      retryAfterMs: this.retryAfterMs,
      now: this.clock.now(),
    });
    this.timer = delay === undefined ? undefined : this.clock.setTimeout(() => void this.refresh(), delay);
  }

  private async fetchAll(): Promise<void> {
    this.retryAfterMs = undefined;
    const results = await Promise.allSettled([this.fetchGitHub(), this.fetchJenkins()]);
    const failed = results.some((r) => r.status === 'rejected');
    this.failures = failed ? this.failures + 1 : 0;
    if (failed)
      this.retryAfterMs = Math.max(this.retryAfterMs ?? 0, ERROR_BACKOFF_MS[Math.min(this.failures - 1, ERROR_BACKOFF_MS.length - 1)]);
    if (!this.disposed) this.onChange(this.state);
  }

  private async fetchGitHub(): Promise<void> {
    const github = this.source.github;
    const state = this.state.github;
    if (!github || !state) return;
    await this.guarded(state, async () => {
      const answer = await github.runsFor(github.owner, github.repo, { branch: this.source.branch, perPage: RUNS_PER_PAGE }, this.runsEtag);
      if (answer.changed) {
        state.runs = answer.data;
        this.runsEtag = answer.etag;
      }
      for (const run of state.runs.slice(0, RUNS_WITH_JOBS)) {
        // A finished run's jobs never change again: fetched once, never polled.
        if (this.jobs.has(run.id) && !isActive(run.state) && !this.jobsStale(run)) continue;
        const jobs = await github.jobsFor(github.owner, github.repo, run.id, this.jobEtags.get(run.id));
        if (jobs.changed) {
          this.jobs.set(run.id, jobs.data);
          if (jobs.etag) this.jobEtags.set(run.id, jobs.etag);
        }
        this.jobsFetchedAt.set(run.id, run.rawStatus);
      }
    });
  }

  /** Jobs fetched while the run was active are fetched once more after it finished. */
  private jobsStale(run: CiRun): boolean {
    return this.jobsFetchedAt.get(run.id) !== run.rawStatus;
  }

  private async fetchJenkins(): Promise<void> {
    const jenkins = this.source.jenkins;
    const state = this.state.jenkins;
    if (!jenkins || !state) return;
    await this.guarded(state, async () => {
      state.jobs = await jenkins.jobs();
      const names = this.source.jenkinsJobs?.length
        ? this.source.jenkinsJobs
        : leafJobs(state.jobs)
            .slice(0, JENKINS_JOBS_WITH_BUILDS)
            .map((j) => j.fullName);
      const builds = new Map<string, CiRun[]>();
      for (const name of names) builds.set(name, await jenkins.builds(name, 10));
      state.builds = builds;
      state.queue = await jenkins.queue();
    });
  }

  /** Marks a provider loading while `work` runs; on failure keeps the last data, shows the error, backs off. */
  private async guarded(state: { loading: boolean; error?: string }, work: () => Promise<void>): Promise<void> {
    state.loading = true;
    try {
      await work();
      state.error = undefined;
    } catch (error) {
      state.error = messageOf(error);
      this.noteRetryAfter(error);
      throw error;
    } finally {
      state.loading = false;
    }
  }

  private noteRetryAfter(error: unknown): void {
    // Any error that says how long to wait (a rate-limited ServiceError) holds the next poll back that long.
    const retryAfter = (error as Partial<ServiceError>).retryAfterMs;
    if (typeof retryAfter === 'number') this.retryAfterMs = Math.max(this.retryAfterMs ?? 0, retryAfter);
  }
}

function leafJobs(jobs: JenkinsJobRow[]): JenkinsJobRow[] {
  return jobs.flatMap((j) => (j.kind === 'folder' ? leafJobs(j.children ?? []) : [j]));
}
