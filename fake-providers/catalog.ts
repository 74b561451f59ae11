// The models each fake provider lists. Shapes follow the real list endpoints (reference/providers.md).

export const ANTHROPIC_MODELS = [
  { id: 'claude-opus-4-1-20250805', display_name: 'Claude Opus 4.1', created_at: '2025-08-05T00:00:00Z', line: 'opus' },
  { id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z', line: 'sonnet' },
  { id: 'claude-sonnet-4-20250514', display_name: 'Claude Sonnet 4', created_at: '2025-05-14T00:00:00Z', line: 'sonnet' },
  { id: 'claude-haiku-4-5-20251001', display_name: 'Claude Haiku 4.5', created_at: '2025-10-01T00:00:00Z', line: 'haiku' },
  { id: 'claude-3-5-haiku-20241022', display_name: 'Claude Haiku 3.5', created_at: '2024-10-22T00:00:00Z', line: 'haiku' },
].map((m) => ({ type: 'model', max_input_tokens: 200000, max_tokens: 64000, capabilities: null, ...m }));

export const OPENAI_MODELS = [
  'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4o', 'gpt-5-mini', 'o4-mini', 'text-embedding-3-small', 'whisper-1',
  'tts-1', 'gpt-image-1-mini', 'gpt-image-1', 'omni-moderation-latest', 'gpt-4o-realtime-preview',
].map((id, i) => ({ id, object: 'model', created: 1744316542 - i * 1000, owned_by: 'system' }));

export const GOOGLE_MODELS = [
  { id: 'gemini-2.5-pro', displayName: 'Gemini 2.5 Pro', methods: ['generateContent', 'countTokens'] },
  { id: 'gemini-2.5-flash', displayName: 'Gemini 2.5 Flash', methods: ['generateContent', 'countTokens'] },
  { id: 'gemini-2.5-flash-lite', displayName: 'Gemini 2.5 Flash-Lite', methods: ['generateContent', 'countTokens'] },
  { id: 'gemini-3.1-flash-image-preview', displayName: 'Gemini 3.1 Flash Image', methods: ['generateContent'] },
  { id: 'text-embedding-004', displayName: 'Text Embedding 004', methods: ['embedContent'] },
  { id: 'gemini-embedding-001', displayName: 'Gemini Embedding 001', methods: ['embedContent', 'batchEmbedContents'] },
  { id: 'gemini-2.0-flash-live-001', displayName: 'Gemini 2.0 Flash Live', methods: ['bidiGenerateContent'] },
].map((m) => ({
  name: `models/${m.id}`,
  baseModelId: m.id,
  version: '001',
  displayName: m.displayName,
  description: `${m.displayName} (fake)`,
  inputTokenLimit: 1048576,
  outputTokenLimit: 65536,
  supportedGenerationMethods: m.methods,
}));

export const XAI_MODELS = [
  { id: 'grok-4', input_modalities: ['text', 'image'], output_modalities: ['text'] },
  { id: 'grok-3-mini', input_modalities: ['text'], output_modalities: ['text'] },
  { id: 'grok-code-fast-1', input_modalities: ['text'], output_modalities: ['text'] },
  { id: 'grok-2-image-1212', input_modalities: ['text'], output_modalities: ['image'] },
];

export const MISTRAL_MODELS = [
  { id: 'mistral-large-latest', name: 'mistral-large-2411', aliases: ['mistral-large-2411'], chat: true },
  { id: 'mistral-large-2411', name: 'mistral-large-2411', aliases: ['mistral-large-latest'], chat: true },
  { id: 'mistral-small-latest', name: 'mistral-small-2506', aliases: ['mistral-small-2506'], chat: true },
  { id: 'mistral-small-2506', name: 'mistral-small-2506', aliases: ['mistral-small-latest'], chat: true },
  { id: 'ministral-8b-latest', name: 'ministral-8b-2410', aliases: [], chat: true },
  { id: 'mistral-embed', name: 'mistral-embed', aliases: [], chat: false },
].map((m) => ({
  id: m.id,
  object: 'model',
  created: 1770000000,
  owned_by: 'mistralai',
  capabilities: { completion_chat: m.chat, completion_fim: false, function_calling: m.chat, fine_tuning: false, vision: false, classification: false },
  name: m.name,
  description: `${m.name} (fake)`,
  max_context_length: 131072,
  aliases: m.aliases,
  deprecation: null,
  deprecation_replacement_model: null,
  default_model_temperature: 0.3,
  type: 'base',
}));

// A 1×1 PNG, the smallest valid image, for the image endpoints.
export const TINY_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
