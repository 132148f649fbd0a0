/**
 * A thin client of the coordinator API. The session token lives in sessionStorage (never a cookie, so
 * there is no CSRF surface, and it ends with the tab). Errors carry the API's stable `code`.
 */

const TOKEN_KEY = 'rollover.token';
const BASE = '/api/v1';

/** An API error: the problem+json code, status and detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /** True when the route is not there yet (404 "no such route") or answers NOT_YET. */
  get notAvailable(): boolean {
    return this.code === 'NOT_YET' || (this.status === 404 && this.message === 'no such route');
  }
}

/** The token of the signed-in session, if any. */
export function sessionToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keeps (or with null forgets) the session token. */
export function setSessionToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

async function toError(res: Response): Promise<ApiError> {
  let code = 'HTTP_' + res.status;
  let detail = res.statusText || 'request failed';
  try {
    const p = (await res.json()) as { code?: string; detail?: string };
    if (p.code) code = p.code;
    if (p.detail) detail = p.detail;
  } catch {
    // Not problem+json: keep the status line.
  }
  return new ApiError(res.status, code, detail);
}

/** Calls the API with the session token; JSON in, JSON (or text for `as: 'text'`) out. */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: { as?: 'json' | 'text'; anonymous?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = sessionToken();
  if (token && !opts.anonymous) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(BASE + path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) {
    const e = await toError(res);
    if (e.status === 401 && !opts.anonymous) window.dispatchEvent(new Event('rollover:signed-out'));
    throw e;
  }
  if (opts.as === 'text') return (await res.text()) as T;
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** GET shorthand. */
export function get<T>(path: string): Promise<T> {
  return api<T>('GET', path);
}

/** POST shorthand. */
export function post<T>(path: string, body: unknown = {}): Promise<T> {
  return api<T>('POST', path, body);
}

/** Signs in and keeps the token. */
export async function signIn(name: string, password: string): Promise<void> {
  const r = await api<{ token: string }>('POST', '/sessions', { name, password }, { anonymous: true });
  setSessionToken(r.token);
}

/** Downloads an API resource (with the bearer token) as a file the browser saves. */
export async function download(path: string, fileName: string, anonymous = false): Promise<void> {
  const headers: Record<string, string> = {};
  const token = sessionToken();
  if (token && !anonymous) headers.authorization = `Bearer ${token}`;
  const res = await fetch(BASE + path, { headers });
  if (!res.ok) throw await toError(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
