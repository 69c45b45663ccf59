// Entry point of the separately bundled loop engine (dist/loopEngine.js): reading a folder's records (git tags
// and logs, the belt's and the pipeline's history) and moving items on the board load on first use.
export { readLoopRecords } from './loopRecords';
export { itemDeliveries } from './itemsFollow/itemDelivery';
export { itemsFollow } from './itemsFollow/followItems';
