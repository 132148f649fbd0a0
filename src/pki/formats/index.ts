/** Pure format codecs (bytes in, bytes out): PEM, DER, PKCS#7, PKCS#12, JKS, and format detection. */
export * from './detect.js';
export * from './jks.js';
export * from './pem.js';
export * from './pkcs7.js';
export * from './pkcs12.js';
export * from './store-entry.js';
