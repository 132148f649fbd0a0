/** Times as people read them: every instant with its zone, local and UTC side by side. */

/** The browser's time zone name (e.g. Europe/Berlin). */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local';
}

function fmt(d: Date, timeZone: string): string {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
    timeZoneName: 'short',
  });
  return f.format(d);
}

/** "27 Nov 2026, 14:00:00 CET (13:00:00 UTC)"; the UTC part only when the zone is not UTC. */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const zone = localZone();
  const local = fmt(d, zone);
  if (zone === 'UTC' || zone === 'Etc/UTC') return local;
  // Repeat the date in the UTC part only when it differs from the local date.
  const day = (z: string) => new Intl.DateTimeFormat('en-GB', { timeZone: z, dateStyle: 'medium' }).format(d);
  const utc = fmt(d, 'UTC');
  return `${local} (${day(zone) === day('UTC') ? utc.slice(utc.indexOf(',') + 2) : utc})`;
}

/** "in 2 h 03 min", "5 s ago". */
export function relative(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  // Round towards T: a countdown reads "in 1 s" until T, never "in 0 s".
  const s = ms >= 0 ? Math.ceil(abs / 1000) : Math.floor(abs / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const parts =
    d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${sec} s` : `${sec} s`;
  return ms >= 0 ? `in ${parts}` : `${parts} ago`;
}

/** A datetime-local input value (local wall time) for an instant. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The instant a datetime-local input value means in the browser's zone, or null. */
export function fromLocalInput(value: string): Date | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A fingerprint in groups of four for comparing by eye. */
export function groupHex(hex: string | null | undefined): string {
  if (!hex) return '—';
  return hex.replace(/(.{4})/g, '$1 ').trim();
}

/** "03 Dec, 14:00": local day and minute only, for a drawing too small for the zone (words carry it). */
export function formatShort(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat('en-GB', {
    day: '2-digit',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(d);
}
