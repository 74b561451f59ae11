// The workspace AI gateway, as its users see it: one base URL per provider under /api/gateway, speaking
// that provider's own wire protocol, and the environment variables its official SDK reads. Zod-free (the
// Developers page imports it).
export const GATEWAY_PROVIDERS = ['openai', 'anthropic', 'google', 'xai', 'mistral', 'brave'] as const;
export type GatewayProvider = (typeof GATEWAY_PROVIDERS)[number];

export const RUNTIME_TOKEN_PREFIX = 'byok_rt_';

export type GatewayInfo = {
  name: string;
  /** The base URL's path, appended to the app's address. */
  basePath: string;
  /** The variable the SDK reads its key from (it gets the runtime token). */
  keyVar: string;
  /** The variable the SDK reads its base URL from; null where the SDK takes it in code only. */
  baseUrlVar: string | null;
  /** Managed only: there are no own keys for it (seed 001's fourth managed provider). */
  managedOnly: boolean;
};

export const GATEWAY: Record<GatewayProvider, GatewayInfo> = {
  openai: { name: 'OpenAI', basePath: '/api/gateway/openai/v1', keyVar: 'OPENAI_API_KEY', baseUrlVar: 'OPENAI_BASE_URL', managedOnly: false },
  anthropic: { name: 'Anthropic', basePath: '/api/gateway/anthropic', keyVar: 'ANTHROPIC_API_KEY', baseUrlVar: 'ANTHROPIC_BASE_URL', managedOnly: false },
  google: { name: 'Google', basePath: '/api/gateway/google', keyVar: 'GOOGLE_API_KEY', baseUrlVar: 'GOOGLE_GEMINI_BASE_URL', managedOnly: false },
  // The OpenAI SDK reads OPENAI_* only: xAI's key and base URL are passed in code (from these variables).
  xai: { name: 'xAI', basePath: '/api/gateway/xai/v1', keyVar: 'XAI_API_KEY', baseUrlVar: null, managedOnly: false },
  // Mistral's SDK reads its key from the environment and its server URL in code only.
  mistral: { name: 'Mistral', basePath: '/api/gateway/mistral', keyVar: 'MISTRAL_API_KEY', baseUrlVar: null, managedOnly: false },
  brave: { name: 'Brave Search', basePath: '/api/gateway/brave', keyVar: 'BRAVE_API_KEY', baseUrlVar: null, managedOnly: true },
};
