// The one rule for names people choose and others see: user display names, workspace names, token names.
// Shown in member lists, headers and terminals, so no control or format characters (NUL, escape
// sequences, bidi overrides, zero-width characters), no lone surrogates, no line or paragraph separators.
import { lineText } from '~/lib/schemas/text';

export const DISPLAY_NAME_MAX = 60;

export const ZDisplayName = lineText({ max: DISPLAY_NAME_MAX, empty: 'Enter a name', tooLong: `Use at most ${DISPLAY_NAME_MAX} characters` });
