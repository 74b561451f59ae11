// Which answer a key gets is decided by the key itself, so tests, the demo and benchmarks can drive
// every path by typing a key. The "Fake providers" section of docs/models-and-studio.md lists the same table.

export const SCENARIOS = [
  'invalid', // the provider's invalid-key response (OpenAI and xAI echo a masked key, as the real ones do)
  'noperm', // authenticated but not allowed to generate
  'nocredit', // billing or quota exhausted
  'ratelimit', // 429 with the provider's retry signal
  'down', // 500 (Anthropic: 529 overloaded)
  'hang', // accepts the request and never answers
  'drop', // reads the request, then closes the connection without answering (it may have been billed)
  'redirect', // 302 to an attacker host (clients must not follow)
  'echo', // 401 whose body contains the full key (leak test for logs and responses)
  'midstream', // 200, two text deltas, then the provider's in-stream error
  'cut', // 200, two text deltas, then (50 ms later) the connection is destroyed
  'stall', // 200, one delta, then silence until the client gives up
  'endless', // 200, one delta, then an event that never ends (4 MB with no blank line), then silence
  'modelgone', // listing works; inference on the first probe candidate answers 404
  'listonly', // listing works; every inference call is refused as a permission problem
] as const;

export type Scenario = (typeof SCENARIOS)[number] | 'valid';

/** `sk-proj-abc-nocredit-xyz` → `nocredit`. The first marker found wins; no marker means a valid key. */
export function scenarioFor(key: string): Scenario {
  for (const s of SCENARIOS) if (key.includes(`-${s}`)) return s;
  return 'valid';
}
