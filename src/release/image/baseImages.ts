// The base images of a Dockerfile: its FROM lines, read and rewritten as text so that everything else in the
// file (comments, spacing, line endings) stays as the user wrote it. A pinned line keeps its tag for
// readability and adds the digest that decides what is pulled, as Renovate and Dependabot write it:
// `FROM node:20-alpine@sha256:…`. Plain TypeScript: the editor, the CLI and the tests share it.
import * as path from 'node:path';

/** An image reference taken apart the way Docker resolves it. */
export interface ImageReference {
  /** The name as written, without tag or digest: `node`, `localhost:5000/x`, `quay.io/prometheus/busybox`. */
  name: string;
  /** Where it is pulled from: `docker.io` for a name without a registry host. */
  registry: string;
  /** The repository in that registry; Docker Hub's official images are under `library/`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** One FROM line. `image` is there when the line names an image in a registry; `skip` says why it does not. */
export interface BaseImageLine {
  /** 0-based line number. */
  line: number;
  /** Where the reference is on its line (character offsets, end exclusive). */
  start: number;
  end: number;
  /** The reference as written. */
  reference: string;
  platform?: string;
  /** The stage this FROM starts (`AS builder`). */
  stage?: string;
  image?: ImageReference;
  skip?: string;
}

/** A reference to write over a FROM line's. */
export interface ReferenceEdit {
  line: number;
  start: number;
  end: number;
  reference: string;
}

// From the distribution reference grammar (github.com/distribution/reference).
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const FROM_LINE = /^(\s*)from(\s+)(.*?)\s*$/i;
const VARIABLE = /\$\{?(\w+)/;
// `<<EOF`, `<<-EOF`, `<<"EOF"` (BuildKit's here-documents in RUN and COPY).
const HERE_DOCUMENT = /<<-?(["']?)([A-Za-z_]\w*)\1/g;
const HERE_DOCUMENT_INSTRUCTION = /^\s*(run|copy|add)\s/i;

/** Every FROM line of a Dockerfile, in order. */
export function readBaseImages(text: string): BaseImageLine[] {
  const stages = new Set<string>();
  const lines: BaseImageLine[] = [];
  let continued = false;
  /** The words that end the here-documents still open (`RUN <<EOF` … `EOF`), first to close first. */
  let hereDocuments: string[] = [];
  linesOf(text).forEach((content, line) => {
    // A here-document's body is the instruction's text, whatever it says (a line may well start with `from`).
    if (hereDocuments.length > 0) {
      if (content.replace(/^\t+/, '') === hereDocuments[0]) hereDocuments = hereDocuments.slice(1);
      return;
    }
    // A line after a trailing backslash belongs to the instruction above (a RUN's `from` is no FROM).
    const match = continued ? null : FROM_LINE.exec(content);
    continued = content.trimEnd().endsWith('\\') || (continued && /^\s*(#.*)?$/.test(content));
    if (!match) {
      if (HERE_DOCUMENT_INSTRUCTION.test(content)) hereDocuments = [...content.matchAll(HERE_DOCUMENT)].map((opened) => opened[2]);
      return;
    }
    const from = readFromLine(line, content, match[1].length + 'from'.length + match[2].length, match[3], stages);
    if (from.stage) stages.add(from.stage.toLowerCase());
    lines.push(from);
  });
  return lines;
}

function readFromLine(line: number, content: string, argumentsStart: number, args: string, stages: Set<string>): BaseImageLine {
  const words = [...args.matchAll(/\S+/g)].map((word) => ({ text: word[0], start: argumentsStart + word.index }));
  const firstNonFlag = words.findIndex((word) => !word.text.startsWith('--'));
  const flags = firstNonFlag < 0 ? words : words.slice(0, firstNonFlag);
  const [imageWord, asWord, stageWord] = words.slice(flags.length);
  const platform = flags.find((flag) => flag.text.startsWith('--platform='))?.text.slice('--platform='.length);
  const stage = asWord?.text.toLowerCase() === 'as' ? stageWord?.text : undefined;
  const from = { line, platform, stage, reference: imageWord?.text ?? '', start: imageWord?.start ?? content.length };
  const located = { ...from, end: from.start + from.reference.length };
  if (content.trimEnd().endsWith('\\')) return { ...located, skip: 'the FROM instruction goes on over several lines' };
  if (!imageWord) return { ...located, skip: 'FROM names no image' };
  const variable = VARIABLE.exec(imageWord.text)?.[1];
  if (variable) return { ...located, skip: `the image name comes from the build argument ${variable}` };
  if (imageWord.text.toLowerCase() === 'scratch') return { ...located, skip: 'scratch is the empty image, not pulled from a registry' };
  if (stages.has(imageWord.text.toLowerCase())) return { ...located, skip: `${imageWord.text} is an earlier build stage` };
  const image = parseImageReference(imageWord.text);
  return image ? { ...located, image } : { ...located, skip: `${imageWord.text} is not a valid image reference` };
}

/** FROM lines a pin applies to: an image from a registry, not pinned yet. */
export function unpinned(lines: BaseImageLine[]): (BaseImageLine & { image: ImageReference })[] {
  return lines.filter((line): line is BaseImageLine & { image: ImageReference } => line.image !== undefined && !line.image.digest);
}

/** FROM lines a refresh follows: pinned, with a tag whose digest may move. */
export function refreshable(lines: BaseImageLine[]): (BaseImageLine & { image: ImageReference & { tag: string; digest: string } })[] {
  return lines.filter(
    (line): line is BaseImageLine & { image: ImageReference & { tag: string; digest: string } } =>
      line.image?.digest !== undefined && line.image.tag !== undefined,
  );
}

/** `localhost:5000/x:1@sha256:…` taken apart, or undefined when it is not a valid reference. */
export function parseImageReference(text: string): ImageReference | undefined {
  const at = text.indexOf('@');
  const digest = at < 0 ? undefined : text.slice(at + 1);
  const nameAndTag = at < 0 ? text : text.slice(0, at);
  // The tag's colon comes after the last slash; an earlier colon is a registry port.
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > nameAndTag.lastIndexOf('/');
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined;
  const [first, ...rest] = name.split('/');
  // As Docker decides: the first component is a registry host when it looks like one.
  const hasHost = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasHost ? (DOCKER_HUB_HOSTS.has(first) ? 'docker.io' : first) : 'docker.io';
  const components = hasHost ? rest : [first, ...rest];
  const repository = registry === 'docker.io' && components.length === 1 ? `library/${components[0]}` : components.join('/');
  const valid =
    components.every((component) => PATH_COMPONENT.test(component)) &&
    (tag === undefined || TAG.test(tag)) &&
    (digest === undefined || DIGEST.test(digest));
  return valid
    ? { name, registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) }
    : undefined;
}

/** The reference a pinned line carries: the tag kept for people (`latest` made explicit), the digest for Docker. */
export function pinnedReference(image: ImageReference, digest: string): string {
  return `${image.name}:${image.tag ?? 'latest'}@${digest}`;
}

/** `registry/repository:tag` as messages name an image (`docker.io/library/node:20`). */
export function imageLabel(image: ImageReference): string {
  return `${image.registry}/${image.repository}${image.tag ? `:${image.tag}` : ''}`;
}

/** `sha256:0123456789ab`: enough of a digest to tell two apart in a commit message. */
export function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return hex === undefined ? digest.slice(0, 19) : `${algorithm}:${hex.slice(0, 12)}`;
}

/** The text with each edit's reference written in; every other byte, line endings included, stays. */
export function applyReferenceEdits(text: string, edits: readonly ReferenceEdit[]): string {
  const lines = text.split('\n');
  for (const edit of edits) {
    const line = lines[edit.line];
    lines[edit.line] = line.slice(0, edit.start) + edit.reference + line.slice(edit.end);
  }
  return lines.join('\n');
}

/** Dockerfile, Containerfile, `api.Dockerfile`, `Dockerfile.prod`: the names Docker's tools and VS Code treat as Dockerfiles. */
export function isDockerfileName(file: string): boolean {
  const name = path.basename(file).toLowerCase();
  return (
    name === 'dockerfile' ||
    name === 'containerfile' ||
    name.endsWith('.dockerfile') ||
    name.startsWith('dockerfile.') ||
    name.startsWith('containerfile.')
  );
}

/** Lines without their `\r`, so a CRLF file reads as an LF one; offsets stay valid for the original lines. */
function linesOf(text: string): string[] {
  return text.split('\n').map((line) => line.replace(/\r$/, ''));
}
