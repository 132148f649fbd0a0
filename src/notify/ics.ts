/** Escapes a text value for iCalendar (RFC 5545 §3.3.11). */
function esc(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** An instant in iCalendar UTC form: 20261201T020000Z. */
function icsTime(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Folds content lines at 75 octets (RFC 5545 §3.1). */
function fold(line: string): string {
  const out: string[] = [];
  let rest = line;
  while (Buffer.byteLength(rest) > 75) {
    let cut = 75;
    while (Buffer.byteLength(rest.slice(0, cut)) > 75) cut--;
    out.push(rest.slice(0, cut));
    rest = ` ${rest.slice(cut)}`;
  }
  out.push(rest);
  return out.join('\r\n');
}

/**
 * A calendar entry for the exchange at T (15 minutes long), with a stable UID so that a postpone's
 * update replaces the earlier entry in the recipient's calendar instead of adding a second one.
 */
export function exchangeEvent(p: {
  uid: string;
  summary: string;
  description: string;
  start: Date;
  stamp: Date;
  /** Increases with each update (a postpone) so calendars take the newer one. */
  sequence?: number;
  url?: string;
}): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//rollover//root exchange//EN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${p.uid}`,
    `SEQUENCE:${p.sequence ?? 0}`,
    `DTSTAMP:${icsTime(p.stamp)}`,
    `DTSTART:${icsTime(p.start)}`,
    `DTEND:${icsTime(new Date(p.start.getTime() + 15 * 60_000))}`,
    `SUMMARY:${esc(p.summary)}`,
    `DESCRIPTION:${esc(p.description)}`,
    ...(p.url ? [`URL:${p.url}`] : []),
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
