// Content Studio run shapes and labels (PRODUCT.md G1–G5). Browser-safe and zod-free: the Studio's
// client components import these.
export const ASPECT_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4'] as const;

export type CredentialSource = 'byok' | 'managed' | 'managed_fallback' | 'platform';

export const RUN_ERROR_CODES = [
  'invalid_key', 'permission_denied', 'no_credit', 'rate_limited', 'model_unavailable', 'provider_unavailable',
  'stream_interrupted', 'no_usable_key', 'key_unreadable', 'key_paused', 'plan_changed', 'master_key_unavailable', 'insufficient_credits', 'cancelled', 'interrupted', 'internal_error',
  'image_failed',
] as const;
export type RunErrorCode = (typeof RUN_ERROR_CODES)[number];

export type StepView = {
  id: string;
  kind: 'script' | 'image';
  provider: string;
  modelId: string;
  credentialSource: CredentialSource;
  status: string;
  errorCode: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  credits: number;
  startedAt: Date | null;
  finishedAt: Date | null;
};

export type RunEvent =
  | { type: 'started'; runId: string; fallbackNotice: string | null; steps: StepView[] }
  | { type: 'delta'; text: string }
  | { type: 'notice'; text: string }
  | { type: 'step'; step: StepView }
  | { type: 'image'; imageId: string }
  | { type: 'finished'; runId: string; status: 'succeeded' | 'failed' | 'cancelled'; errorCode: string | null; message: string | null; creditsUsed: number };

/** How a step was paid for, in a few words (history rows; the run itself says it per step, see costs.ts). */
export const CREDENTIAL_LABELS: Record<CredentialSource, string> = {
  byok: 'your key',
  managed: 'platform credits',
  managed_fallback: 'platform credits (fallback)',
  platform: 'platform credits',
};
