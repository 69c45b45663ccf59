import * as path from 'node:path';
import { readTextIfExists } from '../fsUtil';
import { CONFIG_FILE_NAME } from './conveyorConfig';
import { parseConfig } from './parseConfig';
import type { ParsedConfig } from './parseConfig';

export interface LoadedConfig extends ParsedConfig {
  /** Absolute path of conveyor.yml, whether or not it exists. */
  file: string;
  found: boolean;
}

/** Reads conveyor.yml from a folder; a folder without one gets an empty config and no problems. */
export async function loadConfig(folder: string): Promise<LoadedConfig> {
  const file = path.join(folder, CONFIG_FILE_NAME);
  const text = await readTextIfExists(file);
  if (text === undefined) return { file, found: false, config: {}, problems: [] };
  return { file, found: true, ...parseConfig(text) };
}
