export * from './can.js';
export * from './operating-model.js';
export * from './roles.js';
