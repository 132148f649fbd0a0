export * from './duration.js';
export * from './errors.js';
export * from './time.js';
