/** Truststore formats and type detection: one adapter per kind behind {@link TruststoreFormat}. */
import { promises as fs } from 'node:fs';
import { extname, resolve } from 'node:path';
import { fail } from '../../shared/errors.js';
import { dirFormat } from './dir.js';
import { jksFormat } from './jks.js';
import { pemFormat } from './pem.js';
import { pkcs12Format } from './pkcs12.js';
import { LOCAL_DIR, systemFormat } from './system.js';
import { TRUSTSTORE_TYPES, type Truststore, type TruststoreFormat, type TruststoreType } from './types.js';

export * from './types.js';

const FORMATS: Record<TruststoreType, TruststoreFormat> = {
  pem: pemFormat,
  pkcs12: pkcs12Format,
  jks: jksFormat,
  dir: dirFormat,
  system: systemFormat,
};

/** Reads a `--type` value. */
export function parseTruststoreType(text: string): TruststoreType {
  if (!(TRUSTSTORE_TYPES as readonly string[]).includes(text)) {
    fail('BAD_ARGUMENT', `a truststore type is one of ${TRUSTSTORE_TYPES.join(', ')}, not "${text}"`, {
      field: 'type',
    });
  }
  return text as TruststoreType;
}

/** Tells a store's kind from its first bytes. */
export function detectFromBytes(head: Uint8Array, path: string): TruststoreType {
  if (head.length >= 4 && head[0] === 0xfe && head[1] === 0xed && head[2] === 0xfe && head[3] === 0xed)
    return 'jks';
  if (head.length >= 4 && head[0] === 0xce && head[1] === 0xce && head[2] === 0xce && head[3] === 0xce) {
    fail(
      'UNSUPPORTED_FORMAT',
      `${path} is a JCEKS store: convert it with keytool -importkeystore -deststoretype PKCS12`,
    );
  }
  const text = Buffer.from(head).toString('latin1');
  if (text.includes('-----BEGIN ') || text.trim() === '') return 'pem';
  // PFX: SEQUENCE { INTEGER 3, … }
  if (head[0] === 0x30) {
    for (let i = 2; i < 6; i++)
      if (head[i] === 0x02 && head[i + 1] === 0x01 && head[i + 2] === 0x03) return 'pkcs12';
    fail(
      'UNSUPPORTED_FORMAT',
      `${path} is DER but not a PKCS#12 store (a single DER certificate is not a truststore: add it to one with truststore add)`,
    );
  }
  return fail(
    'UNSUPPORTED_FORMAT',
    `${path} is not a PEM bundle, PKCS#12, JKS, hashed directory or system store`,
    {
      path,
    },
  );
}

/** The kind of store at `path`: from `--type`, the word `system`, the path, or the content. */
export async function detectType(path: string, given?: TruststoreType): Promise<TruststoreType> {
  if (given) return given;
  if (path === 'system' || resolve(path).endsWith(`/${LOCAL_DIR}`)) return 'system';
  let st: import('node:fs').Stats;
  try {
    st = await fs.stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    // A new store: its name says what to create.
    const ext = extname(path).toLowerCase();
    if (ext === '.p12' || ext === '.pfx') return 'pkcs12';
    if (ext === '.jks') return 'jks';
    if (['.pem', '.crt', '.cer', '.bundle'].includes(ext)) return 'pem';
    return fail(
      'FILE_NOT_FOUND',
      `${path} does not exist (to create a new store, name it .pem, .p12 or .jks, or name its type)`,
      {
        field: 'type',
        path,
      },
    );
  }
  if (st.isDirectory()) return 'dir';
  const fh = await fs.open(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return detectFromBytes(head.subarray(0, bytesRead), path);
  } finally {
    await fh.close();
  }
}

/** Opens the store at `path`. For the system store, `path` is `system` or the local CA directory. */
export async function openTruststore(
  path: string,
  opts: { type?: TruststoreType; password?: string; rootDir?: string; create?: boolean },
): Promise<Truststore> {
  const type = await detectType(path, opts.type);
  let rootDir = opts.rootDir;
  if (type === 'system' && rootDir === undefined && path !== 'system') {
    const abs = resolve(path);
    rootDir = abs.endsWith(`/${LOCAL_DIR}`) ? abs.slice(0, -LOCAL_DIR.length - 1) || '/' : undefined;
    if (rootDir === undefined)
      fail(
        'BAD_ARGUMENT',
        `for the system store give "system" (and the root directory it lives under), not ${path}`,
        {
          field: 'rootDir',
        },
      );
  }
  return FORMATS[type].open(path, {
    ...(opts.password !== undefined ? { password: opts.password } : {}),
    ...(rootDir !== undefined ? { rootDir } : {}),
    ...(opts.create ? { create: true } : {}),
  });
}
