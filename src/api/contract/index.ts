/** The API contract shared by the coordinator, the CLI and the web UI: zod schemas and their types. */
export * from './announcement.js';
export * from './evidence.js';
export * from './renewal-status.js';
