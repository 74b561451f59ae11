// Free text users type, one rule for each kind. Control characters are refused, never stripped: a NUL
// cannot be stored by PostgreSQL, and escapes or direction overrides would show in other people's views
// and terminals. Messages never repeat the rejected value. Browser-safe.
import { z } from 'zod';

// Controls (C0, DEL, C1) except tab, line feed and carriage return; and lone surrogate halves, which
// are not text at all.
const MULTILINE_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\p{Cs}]/u;
// Every control and format character (bidirectional overrides, zero-width characters), lone surrogates,
// and line or paragraph separators, for one-line fields.
const LINE_FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

/** Text with line breaks and tabs (a prompt). */
export function multilineText(opts: { max: number; empty: string; tooLong: string }) {
  return z
    .string()
    .trim()
    .min(1, opts.empty)
    .max(opts.max, opts.tooLong)
    .refine((s) => !MULTILINE_FORBIDDEN.test(s), 'Remove control characters from the text (line breaks and tabs are fine)');
}

/** A name or label on one line. */
export function lineText(opts: { max: number; empty?: string; tooLong?: string }) {
  return z
    .string()
    .trim()
    .min(1, opts.empty)
    .max(opts.max, opts.tooLong)
    .refine((s) => !LINE_FORBIDDEN.test(s), 'Use letters, digits, spaces and punctuation only');
}
