'use client';

import { CopyButton } from '~/components/ui/copy-button';
import { Card, CardDescription, CardTitle } from '~/components/ui/card';

/** A code block with its own copy button. */
export function Snippet({ code, label }: { code: string; label: string }) {
  return (
    <div className="relative">
      <pre className="overflow-x-auto rounded-md border border-border bg-zinc-950 p-3 pr-12 font-mono text-xs leading-relaxed text-zinc-100" tabIndex={0} role="region" aria-label={label}>
        <code>{code}</code>
      </pre>
      <CopyButton value={code} label={`Copy ${label}`} copiedLabel="Copied" className="absolute right-2 top-2 border-zinc-700 bg-zinc-900 text-zinc-100 hover:bg-zinc-800" />
    </div>
  );
}

export function WorkspaceIdCard({ workspaceId, name }: { workspaceId: string; name: string }) {
  return (
    <Card aria-labelledby="ws-id-title">
      <CardTitle id="ws-id-title">Workspace ID</CardTitle>
      <CardDescription>The REST API names “{name}” by this ID.</CardDescription>
      <div className="mt-3 flex items-center gap-2">
        <code data-testid="workspace-id" className="min-w-0 flex-1 truncate rounded-md border border-border bg-canvas px-3 py-2 font-mono text-sm">{workspaceId}</code>
        <CopyButton value={workspaceId} label="Copy workspace ID" copiedLabel="Workspace ID copied" />
      </div>
    </Card>
  );
}

export function RestSnippets({ origin, workspaceId }: { origin: string; workspaceId: string }) {
  const curl = `curl ${origin}/api/workspaces/${workspaceId}/ai-config \\\n  -H "Authorization: Bearer $BYOK_TOKEN"`;
  const js = `const res = await fetch('${origin}/api/workspaces/${workspaceId}/ai-config', {\n  headers: { Authorization: \`Bearer \${process.env.BYOK_TOKEN}\` },\n});\nconsole.log(await res.json()); // { mode, provider, model, has_api_key, api_key_hint }`;
  const put = `curl -X PUT ${origin}/api/workspaces/${workspaceId}/ai-config \\\n  -H "Authorization: Bearer $BYOK_TOKEN" \\\n  -H "Content-Type: application/json" \\\n  -d '{"mode":"managed","provider":"anthropic"}'`;
  return (
    <Card aria-labelledby="rest-title">
      <CardTitle id="rest-title">REST API</CardTitle>
      <CardDescription>
        Read and change this workspace’s AI configuration with a personal access token. The full description is at{' '}
        <a className="font-medium text-accent-foreground underline underline-offset-2" href="/api/openapi.json">/api/openapi.json</a>.
      </CardDescription>
      <div className="mt-4 flex flex-col gap-4">
        <div>
          <h3 className="mb-1.5 text-sm font-medium">Read the configuration (curl)</h3>
          <Snippet code={curl} label="curl snippet" />
        </div>
        <div>
          <h3 className="mb-1.5 text-sm font-medium">Read it from JavaScript</h3>
          <Snippet code={js} label="JavaScript snippet" />
        </div>
        <div>
          <h3 className="mb-1.5 text-sm font-medium">Change it</h3>
          <Snippet code={put} label="config change snippet" />
        </div>
      </div>
    </Card>
  );
}
