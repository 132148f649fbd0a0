/**
 * Reading a sender CSV (RFC 4180 quoting; a header row naming the columns). Columns: name, contacts,
 * truststore_kind, and optionally source_addresses and client_cert_subject; list cells separate
 * values with ';' or spaces. Pure: text in, rows or per-line problems out.
 */

/** One sender as read from a row (not yet validated). */
export interface SenderCsvRow {
  line: number;
  fields: {
    name: string;
    contacts: string[];
    truststoreKind: string;
    sourceAddresses?: string[];
    clientCertSubject?: string;
  };
}

/** A problem with one line. */
export interface CsvProblem {
  line: number;
  message: string;
}

const REQUIRED = ['name', 'contacts', 'truststore_kind'] as const;
const KNOWN = new Set<string>([...REQUIRED, 'source_addresses', 'client_cert_subject']);

/** Splits CSV text into records of cells, with the line each record starts on. */
export function splitCsv(text: string): {
  records: Array<{ line: number; cells: string[] }>;
  problems: CsvProblem[];
} {
  const records: Array<{ line: number; cells: string[] }> = [];
  const problems: CsvProblem[] = [];
  let line = 1;
  let start = 1;
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let wasQuoted = false;
  const src = text.replace(/^\uFEFF/, '');
  const endRecord = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0] === '' && !wasQuoted)) records.push({ line: start, cells });
    cells = [];
    cell = '';
    wasQuoted = false;
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"') {
      if (cell.length > 0) problems.push({ line, message: 'a quote inside an unquoted cell' });
      quoted = true;
      wasQuoted = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else cell += ch;
  }
  if (quoted) problems.push({ line: start, message: 'a quoted cell is never closed' });
  if (cell !== '' || cells.length > 0 || wasQuoted) endRecord();
  return { records, problems };
}

function list(cell: string | undefined): string[] {
  return (cell ?? '')
    .split(/[;\s]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Reads the sender rows of a CSV; any structural problem is reported with its line. */
export function readSenderCsv(text: string): { rows: SenderCsvRow[]; problems: CsvProblem[] } {
  const { records, problems } = splitCsv(text);
  const [header, ...body] = records;
  if (!header)
    return {
      rows: [],
      problems: [...problems, { line: 1, message: 'the file is empty: it needs a header row' }],
    };
  const names = header.cells.map((c) => c.trim().toLowerCase());
  for (const r of REQUIRED) {
    if (!names.includes(r))
      problems.push({ line: header.line, message: `the header lacks the column "${r}"` });
  }
  for (const n of names) {
    if (!KNOWN.has(n)) problems.push({ line: header.line, message: `unknown column "${n}"` });
  }
  if (body.length === 0) problems.push({ line: header.line, message: 'no sender rows after the header' });
  const rows: SenderCsvRow[] = [];
  for (const rec of body) {
    if (rec.cells.length !== names.length) {
      problems.push({
        line: rec.line,
        message: `${rec.cells.length} cells where the header has ${names.length}`,
      });
      continue;
    }
    const get = (col: string) => {
      const i = names.indexOf(col);
      return i < 0 ? undefined : rec.cells[i]!.trim();
    };
    const subject = get('client_cert_subject');
    const addresses = list(get('source_addresses'));
    rows.push({
      line: rec.line,
      fields: {
        name: get('name') ?? '',
        contacts: list(get('contacts')),
        truststoreKind: get('truststore_kind') ?? '',
        ...(addresses.length > 0 ? { sourceAddresses: addresses } : {}),
        ...(subject ? { clientCertSubject: subject } : {}),
      },
    });
  }
  return { rows, problems };
}
