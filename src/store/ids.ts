/** Ids are minted in src/shared (the coordinator mints some before it stores them). */
export { newId } from '../shared/ids.js';
