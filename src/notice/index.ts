/** Signed root announcements (seed step 2): sign, publish, verify. */
export * from './jws.js';
