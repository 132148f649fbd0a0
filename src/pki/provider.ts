/**
 * The one place that loads @peculiar/x509. It needs `reflect-metadata` before import (tsyringe) and
 * a WebCrypto provider; Node's own is used everywhere.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
/** Node's WebCrypto, typed as the DOM `Crypto` the libraries expect. */
export const crypto = webcrypto as unknown as Crypto;
