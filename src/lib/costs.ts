// What a run costs, in words, before and after (PRODUCT.md G3; issue 20 item 2). Browser-safe.
// The estimate mirrors the server's reservation (src/server/services/generation/plan.ts, run.ts): a managed script
// step reserves the price of the prompt plus the longest possible answer, settles on actual usage and is
// never less than one credit; images cost their catalog price each; a step through the workspace's own
// key costs no credits. tests/integration/cost-estimate.test.ts holds the two to the same numbers.
import { credits } from '~/lib/format';
import { PROVIDERS, type ProviderId } from '~/lib/providers';
import type { CredentialSource } from '~/lib/schemas/runs';

/** Longest script answer a run asks for (MAX_OUTPUT_TOKENS on the server). */
export const SCRIPT_MAX_OUTPUT_TOKENS = 1024;
/** UTF-8 bytes of the fixed instructions sent with every prompt. */
export const SCRIPT_SYSTEM_BYTES = 88;

export type Price = { in: number; out: number };

export function textCredits(price: Price, inputTokens: number, outputTokens: number): number {
  return Math.max(1, Math.ceil((inputTokens * price.in + outputTokens * price.out) / 1000));
}

// A token is never shorter than one UTF-8 byte: the bytes bound the tokens, whatever the language.
function estimatedInputTokens(prompt: string): number {
  return new TextEncoder().encode(prompt).length + SCRIPT_SYSTEM_BYTES + 16;
}

/** The least and the most a managed script step can cost for this prompt (the most is what is reserved). */
export function scriptCreditRange(price: Price, prompt: string): { min: number; max: number } {
  const input = estimatedInputTokens(prompt);
  return { min: textCredits(price, input, 0), max: textCredits(price, input, SCRIPT_MAX_OUTPUT_TOKENS) };
}

export function rangeText(r: { min: number; max: number }): string {
  return r.min === r.max ? credits(r.max) : `${r.min}–${credits(r.max)}`;
}

type StepLike = { kind: 'script' | 'image'; provider: string; credentialSource: CredentialSource; status: string; credits: number };

const providerName = (p: string) => PROVIDERS[p as ProviderId]?.name ?? p;

/**
 * One step's cost in words: "Script through your OpenAI key — no credits", "Script on platform credits
 * — 3 credits", "2 images — 8 credits".
 */
export function stepCostText(step: StepLike, imageCount: number): string {
  const done = step.status === 'succeeded';
  if (step.kind === 'image') {
    const what = `${imageCount || 'No'} image${imageCount === 1 ? '' : 's'}`;
    if (step.status === 'skipped') return 'Images skipped — no credits';
    if (step.status === 'cancelled') return 'Images cancelled — credits returned';
    if (step.status === 'failed') return 'Images failed — credits returned';
    return done ? `${what} — ${credits(step.credits)}` : `${what} — platform credits`;
  }
  const spent = done || step.credits > 0 ? ` — ${credits(step.credits)}` : step.status === 'running' || step.status === 'pending' ? '' : ' — no credits';
  switch (step.credentialSource) {
    case 'byok':
      return `Script through your ${providerName(step.provider)} key — no credits`;
    case 'managed_fallback':
      return `Script on platform credits (fallback)${spent}`;
    default:
      return `Script on platform credits${spent}`;
  }
}
