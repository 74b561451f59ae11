'use client';

import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { SecretInput } from '~/components/api-keys/secret-input';
import { Alert, Button, Card } from '~/components/ui';
import { PROVIDER_IDS, PROVIDERS, type ProviderId } from '~/lib/providers';
import { useTRPC } from '~/trpc/react';

/** The user's AI defaults (PRODUCT.md M6): copied into every workspace they create afterwards. */
export function AiDefaultsForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: current } = useSuspenseQuery(trpc.account.aiDefaults.queryOptions());
  const [mode, setMode] = useState<'managed' | 'byok'>(current?.mode ?? 'managed');
  const [provider, setProvider] = useState<ProviderId>(current?.provider ?? 'anthropic');
  const [model, setModel] = useState(current?.model ?? '');
  const [apiKey, setApiKey] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries(trpc.account.aiDefaults.queryFilter());
  const save = useMutation({
    ...trpc.account.setAiDefaults.mutationOptions({
      onSuccess: () => {
        setApiKey('');
        setSaved('Defaults saved. Workspaces you create from now on start with them.');
        void refresh();
      },
    }),
    gcTime: 0,
  });
  const clear = useMutation(trpc.account.clearAiDefaults.mutationOptions({ onSuccess: () => { setSaved('Defaults cleared.'); void refresh(); } }));

  return (
    <Card>
      <h2 className="text-lg font-semibold">AI defaults for new workspaces</h2>
      <p className="mt-1 text-sm text-slate-600">
        {current
          ? `Current: ${current.mode === 'byok' ? 'your own key' : 'platform models'} · ${PROVIDERS[current.provider].name}${current.model ? ` · ${current.model}` : ''}${current.apiKeyHint ? ` · key ${current.apiKeyHint}` : ''}.`
          : 'No defaults: new workspaces start on platform models.'}
      </p>
      <form
        className="mt-4 flex flex-col gap-4"
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(null);
          save.mutate({
            mode,
            provider,
            ...(model.trim() ? { model: model.trim() } : {}),
            ...(mode === 'byok' && apiKey.trim() ? { apiKey } : {}),
          });
        }}
      >
        <fieldset className="flex gap-4 text-sm">
          <legend className="mb-1 text-sm font-medium">Mode</legend>
          <label className="flex items-center gap-2"><input type="radio" name="mode" checked={mode === 'managed'} onChange={() => setMode('managed')} /> Platform models (credits)</label>
          <label className="flex items-center gap-2"><input type="radio" name="mode" checked={mode === 'byok'} onChange={() => setMode('byok')} /> My own key</label>
        </fieldset>
        <div className="flex flex-col gap-1">
          <label htmlFor="defaults-provider" className="text-sm font-medium">Provider</label>
          <select id="defaults-provider" value={provider} onChange={(e) => setProvider(e.target.value as ProviderId)} className="rounded-md border border-slate-300 px-3 py-2 text-sm">
            {PROVIDER_IDS.map((p) => <option key={p} value={p}>{PROVIDERS[p].name}</option>)}
          </select>
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor="defaults-model" className="text-sm font-medium">Model</label>
          <input id="defaults-model" value={model} onChange={(e) => setModel(e.target.value)} placeholder="e.g. claude-sonnet-4-20250514" className="rounded-md border border-slate-300 px-3 py-2 text-sm" />
        </div>
        {mode === 'byok' ? (
          <div className="flex flex-col gap-1">
            <label htmlFor="defaults-api-key" className="text-sm font-medium">API key</label>
            <SecretInput id="defaults-api-key" value={apiKey} onChange={setApiKey} />
            <p className="text-xs text-slate-500">
              {current?.hasApiKey ? 'Leave empty to keep the stored key.' : 'Checked with the provider, then stored encrypted.'}
            </p>
          </div>
        ) : null}
        {save.error ? <Alert>{save.error.message}</Alert> : null}
        {saved ? <Alert tone="success">{saved}</Alert> : null}
        <div className="flex gap-2">
          <Button type="submit" disabled={save.isPending}>{save.isPending ? 'Saving…' : 'Save defaults'}</Button>
          {current ? <Button variant="secondary" onClick={() => clear.mutate()} disabled={clear.isPending}>Clear defaults</Button> : null}
        </div>
      </form>
    </Card>
  );
}
