/**
 * Composition root of a data-plane cluster worker (`rollover lb run --workers N`): the primary forks
 * this script; it reads the real clock and the log level the primary passed, and serves.
 */
import pino from 'pino';
import { runClusterWorker } from '../lb/cluster.js';
import { systemClock } from '../shared/time.js';

// The primary drains the workers on SIGINT/SIGTERM; a worker must not die first on a terminal's Ctrl-C.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
runClusterWorker({ clock: systemClock, log: pino({ level: process.env.ROLLOVER_LB_LOG_LEVEL ?? 'info' }) });
