export * from './audit-log.js';
export * from './auth.js';
export * from './bootstrap.js';
export * from './env.js';
export * from './inventory.js';
export * from './people.js';
export * from './rate-limit.js';
export * from './renewals.js';
