/** Passwords (scrypt), bearer tokens and invitation secrets: only hashes are ever stored. */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (
  pw: string,
  salt: Buffer,
  len: number,
  opts: object,
) => Promise<Buffer>;
const PARAMS = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** A scrypt hash `scrypt$N$r$p$salt$hash` of a password. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** A fixed hash to compare against when the user does not exist, so timing does not reveal that. */
const DUMMY = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** True when `password` matches `stored`; spends the same time when `stored` is undefined. */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const parts = (stored ?? DUMMY).split('$');
  const [, n, r, p, salt, hash] = parts;
  if (parts.length !== 6 || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const got = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: PARAMS.maxmem,
  });
  return stored != null && timingSafeEqual(got, expected);
}

/**
 * Every kind of secret the coordinator hands out, by its prefix, with the one place it is accepted.
 * The prefix is part of the hashed secret, so a holder cannot turn one kind into another; each
 * authenticator refuses every prefix but its own, and names where the secret it got belongs.
 */
export const SECRET_KINDS = {
  rlv: { kind: 'API token', where: 'as "Authorization: Bearer" on the API' },
  rls: { kind: 'one-time sign-in link', where: 'only by opening the link in a browser' },
  rli: { kind: 'invitation link', where: 'only by opening the link and accepting the invitation' },
  rln: { kind: 'node token', where: 'only by a load balancer node on /api/v1/node/*' },
  rlk: { kind: 'personal sender link', where: 'only on its own link page and to report evidence' },
} as const;

/** A secret's prefix: which kind of secret it is. */
export type SecretPrefix = keyof typeof SECRET_KINDS;

/** The kind of a presented secret, or undefined when it carries no known prefix. */
export function secretPrefix(secret: string | undefined): SecretPrefix | undefined {
  const p = secret?.slice(0, 3);
  return secret?.[3] === '_' && p && Object.hasOwn(SECRET_KINDS, p) ? (p as SecretPrefix) : undefined;
}

/**
 * Why `secret` is refused where a `want` secret belongs, or undefined when it is of that kind.
 * Another known kind is named with where it is accepted, so a person can tell what went wrong.
 */
export function wrongSecretKind(secret: string | undefined, want: SecretPrefix): string | undefined {
  const got = secretPrefix(secret);
  if (got === want) return undefined;
  const expected = SECRET_KINDS[want].kind;
  if (!got) return `this is not a rollover ${expected}`;
  return `this is a ${SECRET_KINDS[got].kind}, not a ${expected}: it is accepted ${SECRET_KINDS[got].where}`;
}

/** A new secret with a readable prefix (see {@link SECRET_KINDS}). */
export function newSecret(prefix: SecretPrefix): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** The SHA-256 (hex) under which a token or invitation secret is stored and looked up. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
