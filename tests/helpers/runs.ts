// Driving a run in tests: its events collected, and a Pro workspace whose owner has connected a key.
import type { RunEvent } from '~/lib/schemas/generation';
import type { Db } from '~/server/db/connect';
import { canaryKey } from './canary';
import { callerFor, proWorkspace } from './fixtures';

export async function collect(gen: AsyncGenerator<RunEvent>) {
  const events: RunEvent[] = [];
  for await (const e of gen) events.push(e);
  return events;
}

export const finished = (events: RunEvent[]) => events.find((e) => e.type === 'finished') as Extract<RunEvent, { type: 'finished' }>;

export const scriptOf = (events: RunEvent[]) => events.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text).join('');

/** A Pro workspace whose owner added a canary key for `provider` (the suffix steers the fake provider). */
export async function ownerWithKey(db: Db, name: string, provider: 'anthropic' | 'openai' | 'google' = 'anthropic', suffix = '') {
  const w = await proWorkspace(db, name);
  const k = canaryKey({ anthropic: 'sk-ant-api03-', openai: 'sk-proj-', google: 'AQ.' }[provider]) + suffix;
  const { key } = await callerFor(db, w.owner).keys.create({ workspaceId: w.workspaceId, provider, label: 'primary', apiKey: k });
  const ws = { id: w.workspaceId, plan: 'pro' as const };
  return { ...w, ws, k, key };
}
