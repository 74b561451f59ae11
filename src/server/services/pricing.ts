import 'server-only';
// What managed work costs in credits, from the catalog's prices (credits per 1,000 tokens).

/** Credits for a managed text call: per 1,000 tokens, rounded up, at least one. */
export function textCredits(price: { in: number; out: number }, inputTokens: number, outputTokens: number): number {
  return Math.max(1, Math.ceil((inputTokens * price.in + outputTokens * price.out) / 1000));
}

/**
 * An upper bound of the tokens in a text, for a reservation: byte-level tokenizers (all of today's
 * providers) never make more tokens than the text has UTF-8 bytes, whatever the language. Characters are
 * not a bound: a CJK character is about one token.
 */
export function maxTokensOf(bytes: number): number {
  return bytes + 16;
}
