/**
 * A PEM bundle (curl --cacert, Node `ca`, Python cafile). Edits keep every other byte: a removal cuts
 * the block (and the `# alias:` line rollover wrote above it), an addition is appended.
 */
import { writeFileAtomic } from '../../files/atomic.js';
import { decodePem, encodePem } from '../../pki/formats/pem.js';
import { fail } from '../../shared/errors.js';
import { suggestAlias } from '../alias.js';
import { certFacts, type KeyEntry, type TrustEntry } from '../anchor.js';
import { readStoreFile } from '../io.js';
import type { Change, Problem, Truststore, TruststoreFormat } from './types.js';

const ALIAS_LINE = '# alias: ';

interface Span {
  entry?: TrustEntry;
  start: number;
  end: number;
}

/**
 * A block's span: from the `# alias:` line rollover wrote right above its BEGIN line (when there is
 * one) to just past its END line and line break; with the alias that line names.
 */
function spanOf(text: string, block: { start: number; end: number }): Span & { alias?: string } {
  let start = block.start;
  let alias: string | undefined;
  if (start > 0 && text[start - 1] === '\n') {
    const lineStart = text.lastIndexOf('\n', start - 2) + 1;
    const line = text.slice(lineStart, start - 1);
    if (line.startsWith(ALIAS_LINE)) {
      alias = line.slice(ALIAS_LINE.length);
      start = lineStart;
    }
  }
  let end = block.end;
  if (text[end] === '\r' && text[end + 1] === '\n') end += 2;
  else if (text[end] === '\n') end += 1;
  return { start, end, ...(alias !== undefined ? { alias } : {}) };
}

/** Parses bundle text (latin1, one char per byte) into entries, key markers and block spans. */
export function parseBundle(text: string, path: string): { spans: Span[]; keys: KeyEntry[] } {
  const blocks = decodePem(text);
  if (blocks.length === 0 && text.replace(/^#.*$/gm, '').trim().length > 0) {
    fail('BAD_PEM', `${path} is not a PEM bundle: it holds no BEGIN/END blocks`);
  }
  const spans: Span[] = [];
  const keys: KeyEntry[] = [];
  const taken: string[] = [];
  blocks.forEach((b, i) => {
    const { alias: named, ...span } = spanOf(text, b) as Span & { alias?: string };
    if (b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE') {
      const cert = certFacts(b.der);
      const alias = named?.trim() || suggestAlias(cert, taken);
      taken.push(alias);
      span.entry = { alias, cert };
    } else if (b.label.includes('PRIVATE KEY')) {
      keys.push({ alias: `block ${i + 1} (${b.label})` });
    } else if (b.label !== 'X509 CRL') {
      fail(
        'BAD_PEM',
        `${path} holds a "${b.label}" block (number ${i + 1}), which is not a certificate: a truststore holds CA certificates only`,
        { path, label: b.label },
      );
    }
    spans.push(span);
  });
  return { spans, keys };
}

/** Appends entries as `# alias:` + PEM blocks and cuts removed blocks; other bytes stay as they were. */
export function editBundle(text: string, spans: Span[], change: Change): string {
  const gone = new Set(change.remove.map((e) => e.cert.sha256));
  let out = '';
  let at = 0;
  for (const s of spans) {
    if (s.entry && gone.has(s.entry.cert.sha256)) {
      out += text.slice(at, s.start);
      at = s.end;
    }
  }
  out += text.slice(at);
  for (const e of change.add) {
    if (out.length > 0 && !out.endsWith('\n')) out += '\n';
    out += `# alias: ${e.alias}\n${encodePem('CERTIFICATE', e.cert.der)}`;
  }
  return out;
}

/** Opens a PEM bundle. */
async function open(path: string, opts: { create?: boolean }): Promise<Truststore> {
  const { data, version } = await readStoreFile(path, opts.create);
  const text = data ? data.toString('latin1') : '';
  const { spans, keys } = parseBundle(text, path);
  const entries = spans.flatMap((s) => (s.entry ? [s.entry] : []));
  return {
    type: 'pem',
    path,
    created: data === undefined,
    entries,
    privateKeys: keys,
    writablePaths: () => [path],
    async apply(change, now) {
      const next = editBundle(text, spans, change);
      const backup = await writeFileAtomic(path, Buffer.from(next, 'latin1'), {
        backup: data !== undefined,
        now,
        mode: 0o644,
        expect: version,
      });
      return { written: [path], backups: backup ? [backup] : [], ran: [] };
    },
    problems: async (): Promise<Problem[]> => [],
    anchorsForClients: async () => entries.map((e) => e.cert.der),
  };
}

/** The PEM bundle format. */
export const pemFormat: TruststoreFormat = { type: 'pem', open };
