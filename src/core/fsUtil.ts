import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The file's text, or undefined when it does not exist (other errors, such as EACCES, are thrown). */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/** Whether `file` is a regular file (through links); false when it is missing or unreadable. */
export function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function listDir(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if (isNotFound(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
}

/**
 * Folders at or below `roots`, at most `maxDepth` levels down, that hold a file named one of `markers` (a
 * go.mod, a pom.xml): the modules of a monorepo. Hidden folders and `skipped` ones are not entered, and at
 * most `maxFolders` folders are read, so a large tree costs a bounded walk.
 */
export async function foldersHolding(
  roots: readonly string[],
  markers: readonly string[],
  { maxDepth, maxFolders, skipped }: { maxDepth: number; maxFolders: number; skipped: ReadonlySet<string> },
): Promise<string[]> {
  const found: string[] = [];
  let budget = maxFolders;
  const visit = async (folder: string, depth: number): Promise<void> => {
    if (budget-- <= 0) return;
    const entries = await fs.readdir(folder, { withFileTypes: true }).catch(() => []);
    if (entries.some((entry) => markers.includes(entry.name) && entry.isFile())) found.push(folder);
    if (depth >= maxDepth) return;
    for (const entry of entries)
      if (entry.isDirectory() && !entry.name.startsWith('.') && !skipped.has(entry.name))
        await visit(path.join(folder, entry.name), depth + 1);
  };
  for (const root of roots) await visit(root, 0);
  return found;
}

/**
 * Writes a file so that readers see the old content or the new one, never half of it: write a sibling
 * temporary file, flush it, then rename over the target (rename is atomic on one filesystem). Content
 * given as pieces is written as it is produced, so a large file never has to be one string.
 *
 * `cache: true` skips the flush, for a file that is rebuilt or may be lost (a power cut then leaves the old
 * content, the new, or on some filesystems an empty file, which its reader takes as none). On ext4 the flush
 * commits the journal, so it also waits for every other file written just before (a run's log: 2 ms a run).
 */
export async function writeFileAtomic(
  file: string,
  content: string | Iterable<string>,
  mode?: number,
  { cache = false }: { cache?: boolean } = {},
): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  // Unique per write: a name from pid and time collided between writes in the same millisecond.
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomUUID()}.tmp`);
  const handle = await fs.open(temp, 'w', mode);
  try {
    if (typeof content === 'string') await handle.writeFile(content, 'utf8');
    else await writePieces(handle, content);
    if (!cache) await handle.sync();
  } catch (error) {
    // A full disk or a failing source: the target keeps its old content, and no partial temp file stays behind.
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/** Whether `child` is `parent` or below it, by the text of the two absolute paths alone. */
export function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!path.isAbsolute(relative) && relative !== '..' && !relative.startsWith(`..${path.sep}`));
}

/**
 * The absolute path of `relative` (to `folder`) when it stays inside the folder, else undefined. Checked on
 * real paths: the nearest part of it that exists is resolved through its symlinks, so a link that leaves the
 * folder is caught, and so is a dangling one (it could be created outside later).
 */
export async function resolveInsideFolder(folder: string, relative: string): Promise<string | undefined> {
  const target = path.resolve(folder, relative);
  if (!isInside(folder, target)) return undefined;
  const realFolder = await fs.realpath(folder);
  let existing = target;
  while (
    !(await fs.lstat(existing).then(
      () => true,
      () => false,
    ))
  )
    existing = path.dirname(existing);
  const real = await fs.realpath(existing).catch(() => undefined);
  return real !== undefined && isInside(realFolder, real) ? target : undefined;
}

const WRITE_BATCH_CHARS = 256 * 1024;

/** Small pieces are gathered into batches: one write call per piece would be slow. */
async function writePieces(handle: fs.FileHandle, pieces: Iterable<string>): Promise<void> {
  let batch: string[] = [];
  let batchChars = 0;
  for (const piece of pieces) {
    batch.push(piece);
    batchChars += piece.length;
    if (batchChars < WRITE_BATCH_CHARS) continue;
    await handle.writeFile(batch.join(''), 'utf8');
    batch = [];
    batchChars = 0;
  }
  if (batch.length > 0) await handle.writeFile(batch.join(''), 'utf8');
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * Removes the temporary files `writeFileAtomic` left next to `file` when a process died mid-save (kill -9,
 * a crash): those of a process that is gone, and any older than a minute. Returns how many were removed.
 */
export async function removeStaleTempFiles(file: string, now = Date.now()): Promise<number> {
  const prefix = `.${path.basename(file)}.`;
  const dir = path.dirname(file);
  let removed = 0;
  for (const name of await listDir(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    const stat = await fs.stat(path.join(dir, name)).catch(() => undefined);
    if (!stat) continue;
    if (pid === process.pid && now - stat.mtimeMs < 60_000) continue;
    if (pid !== process.pid && isAlive(pid) && now - stat.mtimeMs < 60_000) continue;
    await fs.rm(path.join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

/**
 * Runs `edit` while holding `<file>.lock`, created exclusively, so that Conveyor processes (the extension,
 * the CLI, a hook) never interleave a read-edit-write of the same file. The lock holds the holder's pid and a
 * token of its own: a lock whose process is gone (or, without a readable pid, older than `staleMs`) is taken
 * over, and a holder removes the lock only while it is still its own. Waiting longer than `waitMs` is an error
 * the caller words.
 */
export async function withFileLock<T>(
  file: string,
  edit: () => Promise<T>,
  options: { waitMs?: number; staleMs?: number } = {},
): Promise<T> {
  const lock = `${file}.lock`;
  const token = `${process.pid} ${randomUUID()}`;
  const waitMs = options.waitMs ?? 10_000;
  const staleMs = options.staleMs ?? 30_000;
  const started = Date.now();
  await fs.mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fs.open(lock, 'wx');
      try {
        await handle.writeFile(token);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const held = await fs.readFile(lock, 'utf8').catch(() => undefined);
      const stat = await fs.stat(lock).catch(() => undefined);
      if (held === undefined || !stat) continue; // released meanwhile: try again at once
      const holder = Number(held.split(' ')[0]);
      const stale = holder > 0 ? !isAlive(holder) : Date.now() - stat.mtimeMs > staleMs;
      if (stale && (await takeOverStaleLock(lock, held))) continue;
      if (Date.now() - started > waitMs)
        throw new Error(`${path.basename(file)} is being changed by another process (${lock} is held)`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 + attempt)));
    }
  }
  try {
    return await edit();
  } finally {
    // Only a lock that is still this one's: never one another process holds now.
    if ((await fs.readFile(lock, 'utf8').catch(() => undefined)) === token) await fs.rm(lock, { force: true });
  }
}

/**
 * Removes the stale lock that read `held` (true once tried; false while another waiter does it). One waiter at a time does it, under a guard file, and only while
 * the lock still reads `held`: a waiter that judged it stale a moment ago must not remove the fresh lock that
 * replaced it. A guard left by a process that died during the takeover goes after a few seconds.
 */
async function takeOverStaleLock(lock: string, held: string): Promise<boolean> {
  const guard = `${lock}.takeover`;
  try {
    await (await fs.open(guard, 'wx')).close();
  } catch {
    const stat = await fs.stat(guard).catch(() => undefined);
    if (stat && Date.now() - stat.mtimeMs > TAKEOVER_STALE_MS) await fs.rm(guard, { force: true });
    return false;
  }
  try {
    if ((await fs.readFile(lock, 'utf8').catch(() => undefined)) === held) await fs.rm(lock, { force: true });
    return true;
  } finally {
    await fs.rm(guard, { force: true });
  }
}

const TAKEOVER_STALE_MS = 5_000;

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
