/** The pure PKI core: keys, CAs, issuance, CSRs, checks, descriptions. No file or network I/O. */
export * from './authority.js';
export * from './certificate.js';
export * from './checks.js';
export * from './credential.js';
export * from './csr.js';
export * from './formats/pem.js';
export * from './inspect.js';
export * from './issue.js';
export * from './keys.js';
