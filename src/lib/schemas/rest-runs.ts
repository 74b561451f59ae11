// The REST API's run shapes (issue 18), snake_case like the rest of it; the OpenAPI document is generated
// from these. A run started here is the same run the Studio starts (same checks, same credits).
import { z } from 'zod';
import { MAX_PROMPT_CHARS, ZAspectRatio } from '~/lib/schemas/generation';
import { ZPlatformModelId } from '~/lib/schemas/ids';
import { ZTier } from '~/lib/schemas/models';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

export const ZRestRunInput = z
  .object({
    prompt: z.string().min(1).max(MAX_PROMPT_CHARS).describe('What the script is about'),
    tier: ZTier.optional().describe('The tier whose default model writes the script (standard when absent); ignored when model is set'),
    model: ZPlatformModelId.optional().describe('A platform model id from the catalog, e.g. openai:gpt-4.1-mini; absent: the tier default (which may be your key)'),
    images: z.number().int().min(0).max(4).optional().describe('How many images (0–4, default 2)'),
    aspect_ratio: ZAspectRatio.optional().describe('The images’ aspect ratio (default 1:1)'),
  });

const ZRestStep = z.object({
  id: z.string(),
  kind: z.enum(['script', 'image']),
  provider: z.string(),
  model: z.string(),
  credential_kind: z.string().describe('byok (your key), managed or managed_fallback (platform credits), platform (images)'),
  status: z.string().describe('pending, running, succeeded, failed, cancelled or skipped'),
  error_code: z.string().nullable(),
  input_tokens: z.number().int().nullable(),
  output_tokens: z.number().int().nullable(),
  credits: z.number().int(),
});

export const ZRestRun = z
  .object({
    id: z.string(),
    status: z.enum(RUN_STATUSES),
    prompt: z.string(),
    tier: ZTier.nullable(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
    credential_kind: z.string().nullable().describe('How the script step was paid: byok, managed or managed_fallback'),
    credits_used: z.number().int(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    cancel_requested: z.boolean(),
    steps: z.array(ZRestStep),
    script: z.string().nullable(),
    image_urls: z.array(z.string()).describe('Each image, with the same token: GET it with your Authorization header'),
    events_url: z.string().describe('Its events as Server-Sent Events, resumable with Last-Event-ID'),
  })
  .meta({ id: 'Run' });

export const ZRestRunSummary = ZRestRun.pick({ id: true, status: true, prompt: true, created_at: true, finished_at: true, credential_kind: true, credits_used: true })
  .extend({ model: z.string().nullable(), error_code: z.string().nullable() })
  .meta({ id: 'RunSummary' });

export const ZRestRunList = z
  .object({ data: z.array(ZRestRunSummary), next_cursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null on the last') })
  .meta({ id: 'RunList' });
