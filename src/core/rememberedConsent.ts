// Questions the user answers once (may this host receive my token? may this kubeconfig run that command?): a yes
// is remembered across sessions, a no only for this session, so background refreshes do not ask again while an
// explicit action (a sign-in, a deploy) may. The same question asked twice at once is asked once.

/** Where the answers are kept: VS Code's global state fits (a vscode.Memento). */
export interface ConsentMemory {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

/** Asks the user `question`; true for Allow. */
export type Confirm = (question: string) => Promise<boolean>;

export class RememberedConsent {
  private readonly refused = new Set<string>();
  private readonly asking = new Map<string, Promise<boolean>>();

  /** @param memoryKey the one entry of `memory` that holds the allowed keys */
  constructor(
    private readonly memory: ConsentMemory,
    private readonly memoryKey: string,
    private readonly confirm: Confirm,
  ) {}

  /** True when `key` was allowed once; otherwise asks `question`, unless it was refused this session (and not `askAgain`). */
  async ask(key: string, question: string, options: { askAgain?: boolean } = {}): Promise<boolean> {
    if (this.allowed().includes(key)) return true;
    if (options.askAgain) this.refused.delete(key);
    if (this.refused.has(key)) return false;
    let answer = this.asking.get(key);
    if (!answer) {
      answer = this.confirm(question)
        .then(async (yes) => {
          if (yes) await this.memory.update(this.memoryKey, [...this.allowed(), key]);
          else this.refused.add(key);
          return yes;
        })
        .finally(() => this.asking.delete(key));
      this.asking.set(key, answer);
    }
    return answer;
  }

  /** The next `ask` of a refused key asks again (after the user signed in anew). */
  forgetRefusals(): void {
    this.refused.clear();
  }

  private allowed(): string[] {
    return this.memory.get<string[]>(this.memoryKey) ?? [];
  }
}
