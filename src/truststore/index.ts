/** Truststores: the model (entries, aliases, plans) and the file formats that carry it out. */
export * from './alias.js';
export * from './anchor.js';
export * from './formats/index.js';
export * from './operations.js';
export * from './plan.js';
export * from './removal-policy.js';
export * from './subject-hash.js';
