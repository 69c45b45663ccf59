import * as path from 'node:path';
import type * as Engine from '../run/engine';

let engine: typeof Engine | undefined;

/** The engine bundle, loaded on first use (see esbuild.mjs). */
export function pipelineEngine(): typeof Engine {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a runtime path, so esbuild keeps it a separate file
  engine ??= require(path.join(__dirname, 'pipelineEngine.js')) as typeof Engine;
  return engine;
}
