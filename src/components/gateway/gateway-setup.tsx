'use client';

import { useState } from 'react';
import { Snippet } from '~/components/developers-panel';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';
import { Segmented } from '~/components/ui/segmented';
import { GATEWAY, GATEWAY_PROVIDERS, type GatewayProvider } from '~/lib/gateway';
import { dotenv, envLines, exports, SNIPPET_LANGUAGES, type SnippetLanguage, snippet } from '~/lib/gateway-snippets';

const LANGUAGE_NAMES: Record<SnippetLanguage, string> = { curl: 'curl', node: 'Node', python: 'Python' };
/** Stands in for a token in what the page shows, until one is created here (then the real one, once). */
export const TOKEN_PLACEHOLDER = 'byok_rt_…';

/**
 * Per provider: the lines to paste into a runtime (.env and export forms) and a runnable call in each
 * language. `token` is the token just created (shown in this session only), else a placeholder.
 */
export function GatewaySetup({ origin, token }: { origin: string; token: string | null }) {
  const [provider, setProvider] = useState<GatewayProvider>('openai');
  const [language, setLanguage] = useState<SnippetLanguage>('node');
  const [envForm, setEnvForm] = useState<'dotenv' | 'export'>('dotenv');
  const lines = envLines(provider, origin, token ?? TOKEN_PLACEHOLDER);
  const info = GATEWAY[provider];
  const inCode = lines.filter((l) => !l.readBySdk).map((l) => l.name);

  return (
    <Card aria-labelledby="gateway-setup-title">
      <CardTitle id="gateway-setup-title">Use the gateway from your code</CardTitle>
      <CardDescription>
        Point a provider’s official SDK at the gateway and give it a runtime token where it expects its API key. Calls use this
        workspace’s keys (or platform credits in managed mode); your code never holds a provider key.
      </CardDescription>
      <div className="mt-4 flex flex-col gap-4">
        <Segmented
          legend="Provider"
          name="gateway-provider"
          value={provider}
          options={GATEWAY_PROVIDERS.map((p) => ({ value: p, label: GATEWAY[p].name }))}
          onChange={setProvider}
        />
        <div>
          <div className="mb-1.5 flex flex-wrap items-end justify-between gap-2">
            <h3 className="text-sm font-medium">Environment for {info.name}</h3>
            <Segmented
              legend="Format"
              name="gateway-env-form"
              className="w-48 [&_legend]:sr-only"
              value={envForm}
              options={[
                { value: 'dotenv', label: '.env' },
                { value: 'export', label: 'export' },
              ]}
              onChange={setEnvForm}
            />
          </div>
          <Snippet code={envForm === 'dotenv' ? dotenv(lines) : exports(lines)} label={`${info.name} environment (${envForm === 'dotenv' ? '.env' : 'export'})`} />
          <p className="mt-1.5 text-xs text-muted-foreground">
            {token ? 'This includes the token you just created: it is not shown again once you leave the page.' : 'Create a runtime token below to fill in the token.'}{' '}
            {inCode.length > 0 ? `${inCode.join(' and ')} ${inCode.length > 1 ? 'are' : 'is'} read by the snippet, not by the SDK.` : null}
            {info.managedOnly ? ` ${info.name} is always on platform credits.` : null}
          </p>
        </div>
        <div>
          <Segmented
            legend="Call it"
            name="gateway-language"
            className="mb-2 max-w-sm"
            value={language}
            options={SNIPPET_LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] }))}
            onChange={setLanguage}
          />
          <Snippet code={snippet(provider, language)} label={`${info.name} ${LANGUAGE_NAMES[language]} snippet`} />
        </div>
      </div>
    </Card>
  );
}
