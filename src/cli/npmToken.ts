// NPM_TOKEN is a CI secret: it goes to one registry only, the one the person running the CLI named
// (NPM_TOKEN_REGISTRY, else --registry). A registry named by a tag record or a workspace file is chosen by
// whoever can push to the repository, so it never gets the token unless it is that same host.

export interface NpmTokenBinding {
  /** The token for `registry`, when it may be sent there. */
  tokenFor(registry: string): string | undefined;
  /** Why NPM_TOKEN was not sent to each registry it was withheld from (empty when none was). */
  readonly withheld: string[];
}

export function npmTokenBinding(env: NodeJS.ProcessEnv, cliRegistry?: string): NpmTokenBinding {
  const token = env.NPM_TOKEN || undefined;
  const named = env.NPM_TOKEN_REGISTRY || cliRegistry || undefined;
  const allowedHost = named ? hostOf(named) : undefined;
  const withheld: string[] = [];
  return {
    withheld,
    tokenFor(registry) {
      if (!token) return undefined;
      if (allowedHost !== undefined && hostOf(registry) === allowedHost) return token;
      const reason = `NPM_TOKEN was not sent to ${registry}: ${
        allowedHost ? `it is only sent to ${allowedHost}` : 'name the registry it belongs to with NPM_TOKEN_REGISTRY or --registry'
      } (npm still uses your .npmrc).`;
      if (!withheld.includes(reason)) withheld.push(reason);
      return undefined;
    },
  };
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}
