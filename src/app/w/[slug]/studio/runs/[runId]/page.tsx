import Link from 'next/link';
import { notFound } from 'next/navigation';
import { formatWhen } from '~/lib/format';
import { Alert, Card } from '~/components/ui';
import { CREDENTIAL_LABELS } from '~/lib/schemas/generation';
import { PROVIDERS, type ProviderId } from '~/lib/providers';
import { isId } from '~/lib/schemas/ids';
import { currentWorkspace } from '~/app/current-workspace';
import { pageServices } from '~/server/page-services';

export default async function RunPage({ params }: { params: Promise<{ slug: string; runId: string }> }) {
  const { slug, runId } = await params;
  const ws = await currentWorkspace(slug);
  if (!isId(runId)) notFound();
  const run = await pageServices().run(ws.id, runId);
  if (!run) notFound();
  const script = run.steps.filter((s) => s.kind === 'script').at(-1);
  const seconds = (a: Date | null, b: Date | null) => (a && b ? `${((b.getTime() - a.getTime()) / 1000).toFixed(1)} s` : '—');
  return (
    <div className="flex flex-col gap-4">
      <Link href={`/w/${slug}/studio`} className="text-sm text-brand-700 underline">← Content Studio</Link>
      <h1 className="text-2xl font-semibold">Run</h1>
      <Card>
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[10rem_1fr]">
          <dt className="font-medium">Prompt</dt><dd className="whitespace-pre-wrap">{run.prompt}</dd>
          <dt className="font-medium">Status</dt><dd data-testid="run-page-status">{run.status}</dd>
          <dt className="font-medium">Credits</dt><dd>{run.creditsUsed}</dd>
          <dt className="font-medium">Started</dt><dd>{formatWhen(run.createdAt)}</dd>
          <dt className="font-medium">Duration</dt><dd>{seconds(run.createdAt, run.finishedAt)}</dd>
        </dl>
        {run.errorMessage ? <div className="mt-3"><Alert>{run.errorMessage}</Alert></div> : null}
      </Card>
      <Card className="overflow-x-auto">
        <h2 className="text-lg font-semibold">Steps</h2>
        <table className="mt-2 w-full text-left text-sm">
          <thead className="text-xs uppercase text-slate-500">
            <tr><th className="py-1 pr-3">Step</th><th className="pr-3">Model</th><th className="pr-3">Credential</th><th className="pr-3">Status</th><th className="pr-3">Tokens in/out</th><th className="pr-3">Credits</th><th>Time</th></tr>
          </thead>
          <tbody>
            {run.steps.map((s) => (
              <tr key={s.id} className="border-t border-slate-100">
                <td className="py-1 pr-3 capitalize">{s.kind}</td>
                <td className="pr-3">{PROVIDERS[s.provider as ProviderId]?.name ?? s.provider} {s.modelId}</td>
                <td className="pr-3">{CREDENTIAL_LABELS[s.credentialSource]}</td>
                <td className="pr-3">{s.status}{s.errorCode ? ` (${s.errorCode.replace(/_/g, ' ')})` : ''}</td>
                <td className="pr-3">{s.inputTokens ?? '—'} / {s.outputTokens ?? '—'}</td>
                <td className="pr-3">{s.credits}</td>
                <td>{seconds(s.startedAt, s.finishedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <Card>
        <h2 className="text-lg font-semibold">Script</h2>
        <p className="mt-2 whitespace-pre-wrap text-sm leading-relaxed">{script?.text ?? '—'}</p>
        {run.images.length ? (
          <div className="mt-3 grid grid-cols-2 gap-2 sm:grid-cols-4">
            {run.images.map((id) => (
              // eslint-disable-next-line @next/next/no-img-element -- private, per-member images
              <img key={id} src={`/api/images/${id}`} alt="Generated for this run" className="aspect-square w-full rounded-md border border-slate-200 object-cover" />
            ))}
          </div>
        ) : null}
      </Card>
    </div>
  );
}
