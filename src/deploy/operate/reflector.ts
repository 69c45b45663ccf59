// Keeps one kind of object in one namespace current: list once, then watch from the list's
// resourceVersion (the informer pattern client-go uses), instead of polling. client-node's ListWatch gives up
// on the first error and has no back-off or state, and the Environments view needs both.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Clock } from '../../core/clock';
import { ServiceError, isServiceError } from '../../core/errors';
import { KUBERNETES, kubeErrorOf } from '../kubeErrors';

export type WatchState = 'stopped' | 'connecting' | 'connected' | 'reconnecting' | 'error';

/** `KubeClient.watch`, with each event as its type and object. */
export type OpenWatch = (
  path: string,
  query: Record<string, string | number | boolean | undefined>,
  onEvent: (type: string, object: unknown) => void,
  onDone: (error: unknown) => void,
) => Promise<AbortController>;

export interface ResourceSource<T> {
  /** The collection's API path, e.g. `/apis/apps/v1/namespaces/default/deployments`. */
  path: string;
  /** Narrows the watch as `list` narrows the list, e.g. `{ fieldSelector: 'involvedObject.kind=HorizontalPodAutoscaler' }`. */
  query?: Record<string, string>;
  /** In the user's words, for messages: `deployments`. */
  noun: string;
  list(): Promise<{ items: T[]; resourceVersion: string }>;
}

export interface ReflectorTiming {
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** How long a list, or opening a watch, may take. */
  requestTimeoutMs: number;
  /** Asked of the server, so a silently dead connection is replaced in bounded time. */
  watchTimeoutSeconds: number;
}

/** A watch that ends sooner than this was not healthy: reopening it at once could spin. */
const MIN_HEALTHY_WATCH_MS = 1000;
/** How long past the server-side timeout a watch may stay silent before it is presumed dead. */
const WATCHDOG_GRACE_MS = 30_000;
/** Failures a user must fix (credentials, RBAC, a wrong namespace) rather than wait out. */
const PERMANENT: ServiceError['kind'][] = ['unauthorized', 'forbidden', 'not-found', 'invalid'];

/** How long to wait before asking again after `failures` failures in a row: doubling, capped, with jitter. */
export function backoffDelay(timing: Pick<ReflectorTiming, 'initialBackoffMs' | 'maxBackoffMs'>, failures: number): number {
  const base = Math.min(timing.maxBackoffMs, timing.initialBackoffMs * 2 ** Math.max(0, failures - 1));
  // Jitter so several caches (or several windows) don't hammer a recovering server in step.
  return Math.round(base * (1 + Math.random() * 0.2));
}

export class Reflector<T extends KubernetesObject> {
  /** Every list and watch request this reflector started: a stopped one must not add any. */
  readonly requests = { lists: 0, watches: 0 };
  private current: WatchState = 'stopped';
  private lastError?: ServiceError;
  private items = new Map<string, T>();
  private resourceVersion = '';
  private running = false;
  /** Identifies the list/watch in flight; callbacks from older ones are ignored. */
  private attempt = 0;
  private controller?: AbortController;
  private retryTimer?: unknown;
  private watchdog?: unknown;
  private failures = 0;
  private lastRelistAt = -Infinity;

  constructor(
    private readonly source: ResourceSource<T>,
    private readonly openWatch: OpenWatch,
    private readonly clock: Clock,
    private readonly timing: ReflectorTiming,
    private readonly onChange: () => void,
    private readonly server?: string,
  ) {}

  get state(): WatchState {
    return this.current;
  }

  get error(): ServiceError | undefined {
    return this.lastError;
  }

  list(): T[] {
    return [...this.items.values()];
  }

  /** Starts listing and watching; what was cached before a stop() is kept and brought up to date. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.failures = 0;
    this.setState('connecting');
    this.connect();
  }

  stop(): void {
    this.running = false;
    this.endWatch();
    this.clearTimer('retryTimer');
    this.setState('stopped');
  }

  /** Retries at once instead of waiting for the back-off (a user pressed Refresh). */
  retryNow(): void {
    if (!this.running || (this.current !== 'reconnecting' && this.current !== 'error')) return;
    this.clearTimer('retryTimer');
    this.connect();
  }

  private connect(): void {
    const attempt = ++this.attempt;
    void this.listAndWatch(attempt);
  }

  private async listAndWatch(attempt: number): Promise<void> {
    try {
      if (!this.resourceVersion) {
        this.requests.lists++;
        const list = await this.withTimeout(this.source.list(), `list ${this.source.noun}`);
        if (attempt !== this.attempt) return;
        this.items = new Map(list.items.map((item) => [keyOf(item), item]));
        this.resourceVersion = list.resourceVersion;
        this.onChange();
      }
      this.requests.watches++;
      const openedAt = this.clock.now();
      let ended = false;
      const opening = this.openWatch(
        this.source.path,
        {
          ...this.source.query,
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: this.timing.watchTimeoutSeconds,
        },
        (type, object) => {
          if (attempt === this.attempt) this.onEvent(type, object);
        },
        (error) => {
          ended = true;
          if (attempt === this.attempt) this.onWatchEnd(error, openedAt);
        },
      );
      const controller = await this.withTimeout(opening, `watch ${this.source.noun}`).catch((error: unknown) => {
        // The watch may still open after we gave up on it: close it then.
        void opening.then(
          (late) => late.abort(),
          () => undefined,
        );
        throw error;
      });
      if (attempt !== this.attempt || ended) {
        if (attempt !== this.attempt) controller.abort();
        return;
      }
      this.controller = controller;
      this.lastError = undefined;
      this.setState('connected');
      this.armWatchdog(attempt);
    } catch (error) {
      if (attempt === this.attempt) this.fail(error);
    }
  }

  private onEvent(type: string, object: unknown): void {
    const item = object as T;
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
        this.items.set(keyOf(item), item);
        this.onChange();
        break;
      case 'DELETED':
        this.items.delete(keyOf(item));
        this.onChange();
        break;
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        // The server ends the watch after an ERROR; don't wait for it to.
        const status = object as { code?: number };
        this.endWatch();
        if (status.code === 410) this.relist();
        else this.fail(object);
        return;
      }
      default:
        return;
    }
    this.resourceVersion = item.metadata?.resourceVersion ?? this.resourceVersion;
    this.armWatchdog(this.attempt);
  }

  private onWatchEnd(error: unknown, openedAt: number): void {
    this.controller = undefined;
    this.clearTimer('watchdog');
    if (isGone(error)) {
      this.relist();
      return;
    }
    if (error) {
      this.fail(error);
      return;
    }
    // The server closed the watch (its timeout): reopen from where we are, unless that happens in a loop.
    if (this.clock.now() - openedAt < MIN_HEALTHY_WATCH_MS) {
      this.scheduleRetry(++this.failures);
    } else {
      this.failures = 0;
      this.connect();
    }
  }

  /** 410 Gone: our resourceVersion was compacted away; only a fresh list can catch up. */
  private relist(): void {
    this.resourceVersion = '';
    const now = this.clock.now();
    // A server that answers every fresh list with 410 again must not make us list in a loop.
    const again = now - this.lastRelistAt < MIN_HEALTHY_WATCH_MS;
    this.lastRelistAt = now;
    if (again) this.scheduleRetry(++this.failures);
    else this.connect();
  }

  private fail(error: unknown): void {
    this.endWatch();
    const failure = kubeErrorOf(error, `watch ${this.source.noun}`, this.server);
    this.lastError = failure;
    this.setState(PERMANENT.includes(failure.kind) ? 'error' : 'reconnecting');
    this.scheduleRetry(++this.failures);
  }

  private scheduleRetry(failures: number): void {
    if (!this.running) return;
    this.clearTimer('retryTimer');
    this.retryTimer = this.clock.setTimeout(
      () => {
        this.retryTimer = undefined;
        if (this.running) this.connect();
      },
      backoffDelay(this.timing, failures),
    );
  }

  private armWatchdog(attempt: number): void {
    this.clearTimer('watchdog');
    this.watchdog = this.clock.setTimeout(
      () => {
        this.watchdog = undefined;
        if (attempt !== this.attempt || !this.running) return;
        this.endWatch();
        this.connect();
      },
      this.timing.watchTimeoutSeconds * 1000 + WATCHDOG_GRACE_MS,
    );
  }

  /** Forgets the watch in flight (its callbacks become stale) and closes its connection. */
  private endWatch(): void {
    this.attempt++;
    this.clearTimer('watchdog');
    this.controller?.abort();
    this.controller = undefined;
  }

  private clearTimer(which: 'retryTimer' | 'watchdog'): void {
    if (this[which] !== undefined) this.clock.clearTimeout(this[which]);
    this[which] = undefined;
  }

  private setState(state: WatchState): void {
    if (state === this.current) return;
    this.current = state;
    this.onChange();
  }

  private withTimeout<R>(promise: Promise<R>, doing: string): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const timer = this.clock.setTimeout(
        () =>
          reject(
            new ServiceError(
              KUBERNETES,
              'timeout',
              `Could not ${doing}: the API server did not answer within ${Math.round(this.timing.requestTimeoutMs / 1000)} s.`,
            ),
          ),
        this.timing.requestTimeoutMs,
      );
      promise.then(
        (value) => {
          this.clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          this.clock.clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}

function keyOf(item: KubernetesObject): string {
  return item.metadata?.uid ?? item.metadata?.name ?? '';
}

function isGone(error: unknown): boolean {
  return isServiceError(error) && error.status === 410;
}
