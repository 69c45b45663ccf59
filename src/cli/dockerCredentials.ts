// Registry credentials for the CLI, from the Docker config as the docker CLI finds them. When the credential
// helper it names has none for the host, the run goes on anonymously (public registries need none) and says
// why on stderr, so a later 401 is not a mystery.
import type { RegistryCredentials } from '../release/registry/credentials';
import { findDockerCredentials } from '../release/registry/dockerConfig';

export async function dockerCredentialsFor(
  host: string,
  writeError: (text: string) => void = (text) => process.stderr.write(text),
): Promise<RegistryCredentials | undefined> {
  const lookup = await findDockerCredentials(host);
  if (lookup.helper && !lookup.credentials) writeError(`conveyor: ${lookup.reason}\n`);
  return lookup.credentials;
}
