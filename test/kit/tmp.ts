import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onFileEnd } from './cleanup.js';

/** A fresh temporary directory removed when the test file ends. */
export function tempDir(prefix = 'rollover-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onFileEnd(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
