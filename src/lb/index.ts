/** The built-in data plane: its public surface for the CLI, the coordinator and tests. */
export * from '../shared/host-port.js';
export * from './config.js';
export * from './control.js';
export * from './control-client.js';
export * from './credential-record.js';
export * from './data-plane.js';
export * from './node.js';
export * from './slot.js';
export * from './state-store.js';
export * from './telemetry.js';
