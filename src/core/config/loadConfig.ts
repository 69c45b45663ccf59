import * as path from 'node:path';
import { readTextIfExists } from '../fsUtil';
import { CONFIG_FILE_NAME } from './conveyorConfig';
import { parseConfigInFolder } from './parseConfig';
import type { ParsedConfig } from './parseConfig';

export interface LoadedConfig extends ParsedConfig {
  /** Absolute path of conveyor.yml, whether or not it exists. */
  file: string;
  found: boolean;
}

/**
 * Reads conveyor.yml from a folder; a folder without one gets an empty config and no problems.
 * @param text the text of conveyor.yml when the caller has a newer one than the disk (an unsaved editor).
 */
export async function loadConfig(folder: string, text?: string): Promise<LoadedConfig> {
  const file = path.join(folder, CONFIG_FILE_NAME);
  const current = text ?? (await readTextIfExists(file));
  if (current === undefined) return { file, found: false, config: {}, problems: [] };
  return { file, found: true, ...(await parseConfigInFolder(current, folder)) };
}
