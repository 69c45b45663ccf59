// Entry point of the separately bundled loop engine (dist/loopEngine.js): reading a folder's loop records
// runs git (simple-git), so the editor loads it on first use (after a belt run, for resolution), not at activation.
export { resolveAfterBelt } from './errorItems/errorResolution';
