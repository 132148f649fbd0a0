/**
 * The one rule for names and free text people or programs send: no leading or trailing spaces, no
 * control characters (tab and newline only in multi-line text), no bidirectional overrides or
 * isolates (text that reads differently than it is stored), no lone surrogates. The API refuses text
 * that breaks it (`textProblem`); a client sending text it did not write itself (a certificate
 * subject, an error message from a server) makes it keep the rule first (`normaliseText`).
 */

const UNSAFE_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_TEXT_ALL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATE_ALL = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Why `s` breaks the one rule for names and free text, or undefined when it keeps it. */
export function textProblem(s: string, multiline = false): string | undefined {
  if (s !== s.trim()) return 'remove the leading or trailing spaces';
  if (!multiline && /[\t\n\r]/.test(s)) return 'use one line (no tabs or line breaks)';
  if (UNSAFE_TEXT.test(s)) return 'remove control characters and bidirectional overrides';
  if (LONE_SURROGATE.test(s)) return 'the text is not valid Unicode (a lone surrogate)';
  return undefined;
}

/**
 * `s` made to keep the rule: line breaks become `\n` (or a space on one line), other control
 * characters, bidi overrides and lone surrogates become U+FFFD, the edges are trimmed; at most `max`
 * characters.
 */
export function normaliseText(s: string, multiline = false, max = Number.POSITIVE_INFINITY): string {
  const lines = multiline ? s.replace(/\r\n?/g, '\n') : s.replace(/[\t\r\n]+/g, ' ');
  const safe = lines.replace(UNSAFE_TEXT_ALL, '\ufffd').replace(LONE_SURROGATE_ALL, '\ufffd').trim();
  return safe.length > max ? safe.slice(0, max).trim() : safe;
}
