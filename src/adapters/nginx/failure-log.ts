import { promises as fs } from 'node:fs';

/**
 * The client and the alert of a refused handshake in an nginx error log (level `info`):
 * `SSL_do_handshake() failed (SSL: …tlsv1 alert unknown ca:SSL alert number 48) while SSL handshaking,
 * client: 192.0.2.7, server: …`. Other lines are undefined.
 */
export function parseNginxFailure(line: string): { client: string; reason: string } | undefined {
  const m =
    /SSL_do_handshake\(\) failed \(SSL: .*?alert (unknown ca|bad certificate|certificate unknown)\b.*?\) while SSL handshaking, client: ([^,\s]+)/.exec(
      line,
    );
  if (!m) return undefined;
  return { client: m[2]!, reason: m[1]!.replaceAll(' ', '_') };
}

/**
 * Follows an nginx error log from its current end (polling, `everyMs`), calling `onLine` for each new
 * line; a truncated or rotated file is read again from its start. nginx writes whole lines with one
 * write, so a partial last line is kept until its end arrives.
 */
export function followLog(
  path: string,
  onLine: (line: string) => void,
  everyMs = 100,
): { close(): void; ready: Promise<void> } {
  let offset = -1;
  let rest = '';
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const st = await fs.stat(path).catch(() => undefined);
      if (!st) return;
      if (offset < 0 || st.size < offset) {
        offset = offset < 0 ? st.size : 0;
        rest = '';
      }
      if (st.size === offset) return;
      const fh = await fs.open(path, 'r');
      try {
        const buf = Buffer.alloc(st.size - offset);
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        offset += bytesRead;
        const lines = (rest + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) onLine(l);
      } finally {
        await fh.close();
      }
    } finally {
      busy = false;
    }
  };
  const ready = tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return { close: () => clearInterval(timer), ready };
}
