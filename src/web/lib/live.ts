/**
 * Live data for a page: loads once, then reloads on every server-sent `renewal` event from
 * /api/v1/events and, as a fallback (and for routes without events), polls.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { type ApiError, sessionToken } from '../api/client.js';

/** What a page renders from: the data, the error (with `notAvailable` for missing routes), a reload. */
export interface Live<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload: () => void;
}

type Listener = () => void;
const listeners = new Set<Listener>();
let source: { close(): void } | null = null;

// One event stream per tab, shared by every page that listens. EventSource sends no Authorization
// header, so the stream is read with fetch and parsed here.
function ensureStream(): void {
  if (source || !sessionToken()) return;
  const ctrl = new AbortController();
  source = { close: () => ctrl.abort() };
  (async () => {
    try {
      const res = await fetch('/api/v1/events', {
        headers: { authorization: `Bearer ${sessionToken()}`, accept: 'text/event-stream' },
        signal: ctrl.signal,
      });
      if (!res.ok || !res.body) return;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i = buf.indexOf('\n\n');
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (/^event: ?renewal$/m.test(block)) for (const l of listeners) l();
          i = buf.indexOf('\n\n');
        }
      }
    } catch {
      // Closed or refused: polling carries on.
    } finally {
      source = null;
    }
  })();
}

/** Loads `load()` now, again when `key` changes, on renewal events and every `pollMs`. */
export function useLive<T>(load: () => Promise<T>, key: string, pollMs = 3000): Live<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError | Error>();
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const run = useCallback(() => {
    loadRef
      .current()
      .then((d) => {
        setData(d);
        setError(undefined);
      })
      .catch((e: unknown) => setError(e instanceof Error ? e : new Error(String(e))))
      .finally(() => setLoading(false));
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names what `load` reads, so a change reloads
  useEffect(() => {
    setLoading(true);
    run();
    ensureStream();
    listeners.add(run);
    const t = pollMs > 0 ? setInterval(run, pollMs) : undefined;
    return () => {
      listeners.delete(run);
      if (t) clearInterval(t);
    };
  }, [key, pollMs, run]);
  return { data, error, loading, reload: run };
}

/** The current time, ticking every `ms` (for countdowns). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** Closes the shared event stream (on sign-out). */
export function closeLive(): void {
  source?.close();
  source = null;
}
