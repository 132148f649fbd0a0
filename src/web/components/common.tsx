/** Small shared pieces: links, times with their zone, error and "not available yet" notes. */
import type { MouseEvent, ReactNode } from 'react';
import { ApiError } from '../api/client.js';
import { navigate } from '../lib/router.js';
import { formatInstant, relative } from '../lib/time.js';

/** An in-app link (a real <a>, so it works with the keyboard and opens in a new tab too). */
export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} className={className}>
      {children}
    </a>
  );
}

/** An instant in local time and UTC, machine-readable in <time>. */
export function Time({ at, now }: { at: string | null | undefined; now?: number }) {
  if (!at) return <span>—</span>;
  return (
    <time dateTime={at}>
      {formatInstant(at)}
      {now !== undefined ? <span className="muted"> · {relative(at, now)}</span> : null}
    </time>
  );
}

/** Shows an error; a route that is not built yet says so plainly instead of showing made-up data. */
export function ErrorNote({ error, what }: { error: Error | undefined; what: string }) {
  if (!error) return null;
  if (error instanceof ApiError && error.notAvailable) {
    return (
      <p className="note not-available" role="status">
        {what}: not available yet on this coordinator
        {error.code === 'NOT_YET' ? ` (${error.message})` : ''}.
      </p>
    );
  }
  const code = error instanceof ApiError ? `${error.code}: ` : '';
  return (
    <p className="note error" role="alert">
      {what}: {code}
      {error.message}
    </p>
  );
}

/** A status pill with a text label (colour is never the only signal). */
export function Pill({ state }: { state: string }) {
  return <span className={`pill pill-${state.replace(/[^a-z-]/g, '')}`}>{state}</span>;
}

/** A fingerprint shown in groups, selectable, labelled. */
export function Fingerprint({ label, hex }: { label: string; hex: string | null | undefined }) {
  return (
    <div className="fingerprint">
      <span className="label">{label}</span>
      <code>{hex ? hex.replace(/(.{4})/g, '$1 ').trim() : '—'}</code>
    </div>
  );
}
