// Builds and pushes images through the Docker Engine API (dockerode). The engine reports failures as
// `{error, errorDetail}` events inside the progress stream, not as rejections: they are turned into
// ServiceErrors of the service "Docker" here, with the build step or the layer that failed.
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { messageOf, ServiceError } from '../../core/errors';
import type { ServiceErrorKind } from '../../core/errors';

export interface BuildImageRequest {
  context: Readable;
  /** Path of the Dockerfile inside the context. */
  dockerfile: string;
  /** `repository:tag` names; the first is given to the build, the others are added after. */
  tags: string[];
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  signal?: AbortSignal;
  /** Each line the builder prints, with the step it belongs to. */
  onProgress?: (progress: { step?: string; line: string }) => void;
}

export interface PushImageRequest {
  repository: string;
  tag: string;
  auth?: { username?: string; password?: string; identitytoken?: string; serveraddress: string };
  signal?: AbortSignal;
  onLayer?: (layer: LayerProgress) => void;
}

export interface LayerProgress {
  id: string;
  status: string;
  current?: number;
  total?: number;
}

interface EngineEvent {
  stream?: string;
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number };
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

/** A client for the engine at DOCKER_HOST (or the default socket); `describeEngine` names it in messages. */
export function connectEngine(dockerHost = process.env.DOCKER_HOST): Docker {
  if (!dockerHost) return new Docker();
  const socket = /^unix:\/\/(.+)$/.exec(dockerHost)?.[1];
  return socket ? new Docker({ socketPath: socket }) : new Docker();
}

export function describeEngine(dockerHost = process.env.DOCKER_HOST): string {
  return dockerHost ?? 'unix:///var/run/docker.sock';
}

/** Fails with what the user can do when no engine answers. */
export async function checkEngine(docker: Docker, dockerHost = process.env.DOCKER_HOST): Promise<void> {
  try {
    await docker.ping();
  } catch (error) {
    throw engineError(
      'unreachable',
      `Cannot reach the Docker engine at ${describeEngine(dockerHost)} (${shortReason(error)}): start Docker, or set DOCKER_HOST to its socket.`,
      { cause: error },
    );
  }
}

export async function buildImage(docker: Docker, request: BuildImageRequest): Promise<{ imageId: string }> {
  try {
    return await buildFromContext(docker, request);
  } finally {
    // A build that failed or was stopped mid-upload leaves the context unread: end it, and the tar feeding it.
    if (!request.context.readableEnded) request.context.destroy();
  }
}

async function buildFromContext(docker: Docker, request: BuildImageRequest): Promise<{ imageId: string }> {
  const [first, ...others] = request.tags;
  // Absent options are left out, not sent empty: Podman's Docker-compatible API answers 400 to `buildargs=`.
  const stream = (await docker.buildImage(request.context, {
    t: first,
    ...(request.dockerfile ? { dockerfile: request.dockerfile } : {}),
    ...(request.buildArgs ? { buildargs: request.buildArgs } : {}),
    ...(request.labels ? { labels: request.labels } : {}),
    rm: true,
    forcerm: true,
    abortSignal: request.signal,
  })) as Readable;
  let step: string | undefined;
  let imageId: string | undefined;
  await followEngineStream(docker, stream, request.signal, (event) => {
    if (event.error || event.errorDetail)
      throw engineError(
        'invalid',
        `The image build failed${step ? ` at ${step}` : ''}: ${(event.errorDetail?.message ?? event.error ?? '').trim()}`,
        { detail: { step } },
      );
    if (event.aux?.ID) imageId = event.aux.ID;
    for (const line of (event.stream ?? '').split('\n').filter((l) => l.trim() !== '')) {
      // Docker says `Step 1/3 : FROM …`, Podman `STEP 1/3: FROM …`.
      if (/^(?:Step|STEP) \d+\/\d+ ?: /.test(line)) step = line.trim();
      const built = /^Successfully built ([0-9a-f]+)/.exec(line);
      if (built) imageId ??= built[1];
      request.onProgress?.({ step, line });
    }
  });
  if (!imageId) throw engineError('malformed', 'The engine finished the build without naming an image.', { detail: { step } });
  for (const name of others) {
    const { repository, tag } = splitName(name);
    await docker.getImage(imageId).tag({ repo: repository, tag });
  }
  return { imageId };
}

/** Pushes one tag; resolves with the manifest digest the registry stored. */
export async function pushImage(docker: Docker, request: PushImageRequest): Promise<{ digest: string; size?: number }> {
  // The name is the repository and the tag a parameter, as the API defines them: Podman appends `tag` to the
  // name, so `repo:tag` plus `tag` would become `repo:tag:tag`.
  const image = docker.getImage(request.repository);
  // The engine wants an X-Registry-Auth header even for an anonymous registry.
  const stream = (await image.push({ tag: request.tag, authconfig: request.auth ?? {}, abortSignal: request.signal })) as Readable;
  let digest: string | undefined;
  let size: number | undefined;
  await followEngineStream(docker, stream, request.signal, (event) => {
    if (event.error || event.errorDetail) {
      throw engineError(
        'server',
        `Pushing ${request.repository}:${request.tag} failed: ${(event.errorDetail?.message ?? event.error ?? '').trim()}`,
      );
    }
    if (event.aux?.Digest) {
      digest = event.aux.Digest;
      size = event.aux.Size;
    }
    const reported = /digest: (sha256:[0-9a-f]{64})/.exec(event.status ?? '');
    if (reported) digest ??= reported[1];
    if (event.id && event.status)
      request.onLayer?.({ id: event.id, status: event.status, current: event.progressDetail?.current, total: event.progressDetail?.total });
  });
  if (!digest) throw engineError('malformed', `The registry did not report a digest for ${request.repository}:${request.tag}.`);
  return { digest, size };
}

/** Reads the engine's JSON event stream to its end; `onEvent` may throw to fail (error events). */
function followEngineStream(
  docker: Docker,
  stream: Readable,
  signal: AbortSignal | undefined,
  onEvent: (event: EngineEvent) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed: Error | undefined;
    const onAbort = () => {
      stream.destroy();
      reject(new DOMException('Stopped.', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (error: Error | null) => {
        signal?.removeEventListener('abort', onAbort);
        if (failed) reject(failed);
        else if (error) reject(engineError('unreachable', `The Docker engine stream broke off: ${error.message}`, { cause: error }));
        else resolve();
      },
      (event: EngineEvent) => {
        if (failed) return;
        try {
          onEvent(event);
        } catch (error) {
          failed = error instanceof Error ? error : new Error(messageOf(error));
        }
      },
    );
  });
}

/** `127.0.0.1:5000/shop-api:1.4.0` → repository `127.0.0.1:5000/shop-api`, tag `1.4.0`. */
export function splitName(name: string): { repository: string; tag: string } {
  const at = name.lastIndexOf(':');
  if (at === -1 || name.slice(at).includes('/')) return { repository: name, tag: 'latest' };
  return { repository: name.slice(0, at), tag: name.slice(at + 1) };
}

/** A build that fails is the engine refusing what it was given ('invalid'); a push it cannot finish is its failure ('server'). */
function engineError(kind: ServiceErrorKind, message: string, options?: ConstructorParameters<typeof ServiceError>[3]): ServiceError {
  return new ServiceError('Docker', kind, message, options);
}

function shortReason(error: unknown): string {
  const message = messageOf(error);
  return message.split('\n')[0].slice(0, 200);
}
