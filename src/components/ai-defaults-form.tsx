'use client';

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { SecretInput } from '~/components/api-keys/secret-input';
import { GetKeyLink } from '~/components/api-keys/get-key-link';
import dynamic from 'next/dynamic';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { NativeSelect } from '~/components/ui/input';
import { Segmented } from '~/components/ui/segmented';
import { toast } from '~/components/ui/toast';
import { useFrameWorkspace } from '~/components/workspace-context';
import { modelName } from '~/lib/model-names';
import { PROVIDER_IDS, PROVIDERS, type ProviderId } from '~/lib/providers';
import { useTRPC } from '~/trpc/react';

// Loaded after the page: Popover and cmdk are needed only when the picker opens.
const ModelIdPicker = dynamic(() => import('~/components/model-id-picker').then((m) => m.ModelIdPicker), {
  ssr: false,
  loading: () => <div aria-hidden className="h-9 w-full animate-pulse rounded-md border border-input bg-muted/50" />,
});

const MODES = [
  { value: 'managed', label: 'Platform models (credits)' },
  { value: 'byok', label: 'My own key' },
] as const;

/** The user's AI defaults (PRODUCT.md M6): copied into every workspace they create afterwards. */
export function AiDefaultsForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const frame = useFrameWorkspace();
  const { data: current } = useSuspenseQuery(trpc.account.aiDefaults.queryOptions());
  // The platform catalog is the same in every workspace: read it through the one this page is shown in.
  const { data: catalog } = useQuery({ ...trpc.models.catalog.queryOptions({ workspaceId: frame?.id ?? '' }), enabled: frame !== null });
  const [mode, setMode] = useState<'managed' | 'byok'>(current?.mode ?? 'managed');
  const [provider, setProvider] = useState<ProviderId>(current?.provider ?? 'anthropic');
  const [model, setModel] = useState(current?.model ?? '');
  const [apiKey, setApiKey] = useState('');
  const models = (catalog?.platformModels ?? []).filter((m) => m.provider === provider);
  const refresh = () => queryClient.invalidateQueries(trpc.account.aiDefaults.queryFilter());
  const save = useMutation({
    ...trpc.account.setAiDefaults.mutationOptions({
      onSuccess: () => {
        setApiKey('');
        toast.success('Defaults saved.', 'Workspaces you create from now on start with them.');
        void refresh();
      },
    }),
    gcTime: 0,
  });
  const clear = useMutation(
    trpc.account.clearAiDefaults.mutationOptions({
      onSuccess: () => {
        toast.success('Defaults cleared.', 'New workspaces start on platform models.');
        setModel('');
        void refresh();
      },
    }),
  );

  return (
    <Card aria-labelledby="defaults-title">
      <CardTitle id="defaults-title">AI defaults for new workspaces</CardTitle>
      <CardDescription>
        {current
          ? <>Current: {current.mode === 'byok' ? 'your own key' : 'platform models'} · {PROVIDERS[current.provider].name}
              {current.model ? ` · ${modelName(catalog ?? null, current.provider, current.model)}` : ''}
              {current.apiKeyHint ? <> · key <code className="font-mono text-xs">{current.apiKeyHint}</code></> : null}.</>
          : 'No defaults: new workspaces start on platform models.'}
      </CardDescription>
      <form
        className="mt-4 flex flex-col gap-4"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({
            mode,
            provider,
            ...(model.trim() ? { model: model.trim() } : {}),
            ...(mode === 'byok' && apiKey.trim() ? { apiKey } : {}),
          });
        }}
      >
        <Segmented legend="Mode" name="mode" value={mode} options={MODES} onChange={(m) => { setMode(m); setModel(''); }} className="max-w-md" />
        <div className="grid gap-4 sm:grid-cols-2">
          <div className="flex flex-col gap-1.5">
            <label htmlFor="defaults-provider" className="text-sm font-medium">Provider</label>
            <NativeSelect id="defaults-provider" value={provider} onChange={(e) => { setProvider(e.target.value as ProviderId); setModel(''); }}>
              {PROVIDER_IDS.map((p) => <option key={p} value={p}>{PROVIDERS[p].name}</option>)}
            </NativeSelect>
          </div>
          <div className="flex flex-col gap-1.5">
            <label htmlFor="defaults-model" className="text-sm font-medium">Model</label>
            <ModelIdPicker
              id="defaults-model"
              provider={provider}
              models={models}
              value={model}
              onChange={setModel}
              defaultLabel={mode === 'byok' ? 'The first model your key offers' : 'The platform’s Standard default'}
              allowCustom={mode === 'byok'}
            />
          </div>
        </div>
        {mode === 'byok' ? (
          <div className="flex flex-col gap-1.5">
            <div className="flex items-baseline justify-between gap-2">
              <label htmlFor="defaults-api-key" className="text-sm font-medium">API key</label>
              <GetKeyLink provider={provider} className="inline-flex items-center gap-1 text-xs font-medium text-accent-foreground underline-offset-4 hover:underline" />
            </div>
            <SecretInput id="defaults-api-key" value={apiKey} onChange={setApiKey} describedBy="defaults-api-key-help" />
            <p id="defaults-api-key-help" className="text-xs text-muted-foreground">
              Looks like <code className="font-mono">{PROVIDERS[provider].keyHint}</code>.{' '}
              {current?.hasApiKey ? 'Leave empty to keep the stored key.' : 'Checked with the provider, then stored encrypted.'}
            </p>
          </div>
        ) : null}
        {save.error ? <Alert>{save.error.message}</Alert> : null}
        <div className="flex flex-wrap gap-2">
          <Button type="submit" loading={save.isPending}>{save.isPending ? 'Saving…' : 'Save defaults'}</Button>
          {current ? <Button variant="secondary" onClick={() => clear.mutate()} loading={clear.isPending}>Clear defaults</Button> : null}
        </div>
      </form>
    </Card>
  );
}
