/** The pure renewal domain: states, timing, readiness and the gate. No I/O, no clock inside. */
export * from './gate.js';
export * from './readiness.js';
export * from './renewal-status.js';
export * from './sender-status.js';
export * from './states.js';
export * from './timing.js';
