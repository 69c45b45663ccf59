// Imported first by the extension bundle: the time at which this module is evaluated is the time the
// bundle started loading, so activation cost = require + activate() can be measured and logged.
export const bundleLoadStartedAt = performance.now();

export function millisecondsSince(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}
