// The environment for a child `npm install` started from inside an `npm test` / `npm run …`. The outer npm
// exports its own per-run variables (npm_config_user_agent names its Node version, npm_config_local_prefix
// its project, npm_lifecycle_* its script); a child install that inherits them behaves as if it were part of
// that run: code-server's postinstall reads the Node version from npm_config_user_agent and refuses Node 20.

/** Network settings a user may have exported themselves; a child install needs them to reach the registry. */
const USER_NETWORK_SETTINGS = new Set([
  'npm_config_registry',
  'npm_config_proxy',
  'npm_config_https_proxy',
  'npm_config_noproxy',
  'npm_config_cafile',
  'npm_config_strict_ssl',
]);

export function childInstallEnv(extra: NodeJS.ProcessEnv = {}, from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(from)) {
    const lower = name.toLowerCase();
    if ((lower.startsWith('npm_') && !USER_NETWORK_SETTINGS.has(lower)) || name === 'INIT_CWD' || name === 'NODE') continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}
