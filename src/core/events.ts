// Events without vscode: the engines (plain Node, reused by the CLI) tell their listeners through these, and
// the UI layer adapts them. Shaped like vscode's Event/Disposable so a UI can pass them straight through.

export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (value: T) => void;

/** Subscribes a listener; disposing the result unsubscribes it. */
export type Event<T> = (listener: Listener<T>) => Disposable;

export class Emitter<T = void> implements Disposable {
  private readonly listeners = new Set<Listener<T>>();

  /** Subscribe with `emitter.event(listener)`; the function can be handed out on its own. */
  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Calls each listener once; a listener that throws does not keep the others from hearing it. */
  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch {
        // A listener's own failure is its business; the emitter's job is to reach the rest.
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}

/** One Disposable for many, disposed in reverse order of adding. */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];

  add<D extends Disposable>(item: D): D {
    this.items.push(item);
    return item;
  }

  dispose(): void {
    for (const item of this.items.splice(0).reverse()) item.dispose();
  }
}
