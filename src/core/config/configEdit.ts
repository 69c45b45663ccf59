// Adds entries to conveyor.yml the way a person would: the YAML document is edited in place (comments, order
// and formatting kept), the file is written atomically, and a file with syntax errors is left alone.
import * as path from 'node:path';
import { isMap, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { promises as fs } from 'node:fs';
import { isNotFound, writeFileAtomic } from '../fsUtil';
import { CONFIG_FILE_NAME } from './conveyorConfig';

export class ConfigEditError extends Error {}

/** Appends `entry` to the top-level list `key` (`uptime`, `goals`), replacing an entry of the same name. */
export async function addToConfigList(
  folder: string,
  key: 'uptime' | 'goals',
  entry: Record<string, unknown> & { name: string },
): Promise<string> {
  const { file, document } = await readConfigDocument(folder, `add the ${key === 'goals' ? 'goal' : 'check'}`);
  const list = document.get(key);
  if (list !== undefined && list !== null && !(typeof list === 'object' && 'items' in list)) {
    throw new ConfigEditError(`${CONFIG_FILE_NAME}: "${key}" is not a list, so Conveyor cannot add to it`);
  }
  const existing = (document.toJS() as Record<string, unknown> | null)?.[key];
  const index = Array.isArray(existing) ? existing.findIndex((e) => (e as { name?: unknown } | null)?.name === entry.name) : -1;
  if (index >= 0) document.setIn([key, index], document.createNode(entry));
  // addIn on a missing key would make a map, not a list.
  else if (list === undefined || list === null) document.set(key, document.createNode([entry]));
  else document.addIn([key], document.createNode(entry));
  await writeFileAtomic(file, document.toString());
  return file;
}

/** Sets one key of a map under the top level (`sentry.pathMappings["http://…/"]`), making the maps it needs. */
export async function setConfigMapEntry(folder: string, mapPath: readonly [string, string], key: string, value: string): Promise<string> {
  const { file, document } = await readConfigDocument(folder, `set ${mapPath.join('.')}`);
  for (let depth = 1; depth <= mapPath.length; depth++) {
    const at = mapPath.slice(0, depth);
    const node = document.getIn(at);
    if (node === undefined || node === null) document.setIn(at, document.createNode({}));
    else if (!isMap(node))
      throw new ConfigEditError(`${CONFIG_FILE_NAME}: "${at.join('.')}" is not a map, so Conveyor cannot set a key in it`);
  }
  document.setIn([...mapPath, key], value);
  await writeFileAtomic(file, document.toString());
  return file;
}

/** conveyor.yml as an editable document (a missing file starts as `version: 1`); a file with syntax errors is refused. */
async function readConfigDocument(folder: string, what: string): Promise<{ file: string; document: Document }> {
  const file = path.join(folder, CONFIG_FILE_NAME);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if (!isNotFound(error)) throw error;
    text = 'version: 1\n';
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    const [first] = document.errors;
    const line = first.linePos?.[0].line;
    throw new ConfigEditError(`${CONFIG_FILE_NAME} has a syntax error${line ? ` on line ${line}` : ''}: fix it first, then ${what} again`);
  }
  return { file, document };
}
