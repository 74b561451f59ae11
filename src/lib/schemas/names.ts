// The one rule for names people choose and others see: user display names, workspace names, token names.
// Shown in member lists, headers and terminals, so no control or format characters (NUL, escape
// sequences, bidi overrides, zero-width characters), no lone surrogates, no line or paragraph separators.
import { z } from 'zod';

export const DISPLAY_NAME_MAX = 60;

export const ZDisplayName = z
  .string()
  .trim()
  .min(1, 'Enter a name')
  .max(DISPLAY_NAME_MAX, `Use at most ${DISPLAY_NAME_MAX} characters`)
  .regex(/^[^\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]*$/u, 'Use letters, digits, spaces and punctuation only');
