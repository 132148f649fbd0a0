export type { StoreConfig } from './open.js';
export type { Database } from './schema.js';
export * from './seal.js';
export * from './store.js';
