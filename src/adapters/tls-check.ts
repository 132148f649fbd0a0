/**
 * At agent start: what the running HAProxy or nginx configuration offers, read from its TLS directives
 * (nginx `ssl_protocols` / `ssl_ciphers`, following `include`; HAProxy `ssl-default-bind-ciphers`,
 * `ssl-default-bind-options` and per-`bind` `ciphers` / `ssl-min-ver` / `ssl-max-ver`), judged against
 * each virtual server's TLS profile. Cipher strings with keywords (`HIGH:!aNULL`) are expanded by
 * `openssl ciphers`. The agent only warns: the proxy's configuration is the operator's.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import {
  type OfferedTls,
  TLS_VERSIONS,
  type TlsPolicy,
  type TlsVersion,
  tlsPolicyViolations,
} from '../pki/tls-profile.js';

const run = promisify(execFile);

/** Reads a config file and, for nginx, the files its `include` lines name (globs with `*` in the last part). */
async function readWithIncludes(path: string, nginx: boolean, seen = new Set<string>()): Promise<string> {
  if (seen.has(path)) return '';
  seen.add(path);
  const text = await fs.readFile(path, 'utf8');
  if (!nginx) return text;
  let out = text;
  for (const m of text.matchAll(/(?:^|[;{}\s])include\s+([^;\s]+)\s*;/gm)) {
    const target = isAbsolute(m[1]!) ? m[1]! : join(dirname(path), m[1]!);
    const files = target.includes('*') ? await glob(target) : [target];
    for (const f of files) out += `\n${await readWithIncludes(f, true, seen).catch(() => '')}`;
  }
  return out;
}

async function glob(pattern: string): Promise<string[]> {
  const dir = dirname(pattern);
  const re = new RegExp(
    `^${pattern
      .slice(dir.length + 1)
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => re.test(n)).map((n) => join(dir, n));
}

/** The OpenSSL names a cipher string selects for TLS 1.2 and below (literal names when openssl is absent). */
export async function expandCiphers(list: string): Promise<string[]> {
  try {
    const { stdout } = await run('openssl', ['ciphers', list], { timeout: 5000 });
    return stdout
      .trim()
      .split(':')
      .filter((c) => c && !c.startsWith('TLS_'));
  } catch {
    return list.split(':').filter((c) => c && !/^[!+-@]/.test(c));
  }
}

const NGINX_VERSIONS: Record<string, TlsVersion> = {
  TLSv1: 'TLSv1',
  'TLSv1.1': 'TLSv1.1',
  'TLSv1.2': 'TLSv1.2',
  'TLSv1.3': 'TLSv1.3',
};
const haproxyVersion = (v: string): TlsVersion | undefined =>
  v === 'TLSv1.0' ? 'TLSv1' : (TLS_VERSIONS as readonly string[]).includes(v) ? (v as TlsVersion) : undefined;

/** What an nginx configuration (with its includes) offers. */
export async function nginxOffered(path: string): Promise<OfferedTls> {
  const text = (await readWithIncludes(path, true)).replace(/#.*$/gm, '');
  const protocols = [...text.matchAll(/\bssl_protocols\s+([^;]+);/g)].flatMap((m) =>
    m[1]!
      .trim()
      .split(/\s+/)
      .map((v) => NGINX_VERSIONS[v])
      .filter((v): v is TlsVersion => !!v),
  );
  const lists = [...text.matchAll(/\bssl_ciphers\s+['"]?([^;'"]+)['"]?\s*;/g)].map((m) => m[1]!.trim());
  return {
    ...(text.match(/\bssl_protocols\s/) ? { protocols: [...new Set(protocols)] } : {}),
    ...(lists.length ? { ciphers: [...new Set((await Promise.all(lists.map(expandCiphers))).flat())] } : {}),
  };
}

/** What a HAProxy configuration offers on its TLS binds. */
export async function haproxyOffered(path: string): Promise<OfferedTls> {
  const text = (await readWithIncludes(path, false)).replace(/#.*$/gm, '');
  const lists: string[] = [];
  let min: TlsVersion | undefined;
  let max: TlsVersion = 'TLSv1.3';
  for (const m of text.matchAll(/^\s*ssl-default-bind-ciphers\s+(\S+)/gm)) lists.push(m[1]!);
  const options = [...text.matchAll(/^\s*(ssl-default-bind-options|bind)\s(.*)$/gm)]
    .filter((m) => m[1] !== 'bind' || /\sssl(\s|$)/.test(m[2]!))
    .map((m) => m[2]!);
  for (const o of options) {
    const lo = o.match(/\bssl-min-ver\s+(\S+)/)?.[1];
    const hi = o.match(/\bssl-max-ver\s+(\S+)/)?.[1];
    if (lo && haproxyVersion(lo))
      min = min === undefined || rank(haproxyVersion(lo)!) < rank(min) ? haproxyVersion(lo) : min;
    if (hi && haproxyVersion(hi)) max = haproxyVersion(hi)!;
    const c = o.match(/\bciphers\s+(\S+)/)?.[1];
    if (c) lists.push(c);
  }
  return {
    ...(min ? { protocols: TLS_VERSIONS.filter((v) => rank(v) >= rank(min!) && rank(v) <= rank(max)) } : {}),
    ...(lists.length ? { ciphers: [...new Set((await Promise.all(lists.map(expandCiphers))).flat())] } : {}),
  };
}

const rank = (v: TlsVersion) => TLS_VERSIONS.indexOf(v);

/** The warnings for each virtual server's policy against the proxy's configuration file. */
export async function proxyTlsWarnings(
  kind: 'haproxy' | 'nginx',
  configPath: string,
  policies: ReadonlyArray<{ name: string; policy: TlsPolicy }>,
): Promise<string[]> {
  let offered: OfferedTls;
  try {
    offered = kind === 'nginx' ? await nginxOffered(configPath) : await haproxyOffered(configPath);
  } catch (e) {
    return [`cannot read ${configPath} to check its TLS settings: ${(e as Error).message}`];
  }
  return policies.flatMap(({ name, policy }) =>
    tlsPolicyViolations(policy, offered, `${kind} ${configPath} (virtual server ${name})`),
  );
}
