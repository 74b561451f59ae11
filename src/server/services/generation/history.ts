import 'server-only';
// A workspace's runs as its members browse them: the list (cursor pages) and one run with its steps.
import type { CredentialSource } from '~/lib/schemas/generation';
import { AppError } from '~/server/errors';
import type { WorkspaceScope } from '~/server/services/context';
import { stepSelect, stepView } from './steps';

export type RunSummary = {
  id: string; prompt: string; status: string; createdAt: Date; finishedAt: Date | null; creditsUsed: number;
  errorCode: string | null; model: string | null; credentialSource: CredentialSource | null;
};

export async function listRuns({ db, workspace }: WorkspaceScope, opts: { cursor?: string | null; limit?: number }) {
  const workspaceId = workspace.id;
  const limit = Math.min(Math.max(opts.limit ?? 20, 1), 50);
  const rows = await db.generationRun.findMany({
    where: { workspaceId },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
    ...(opts.cursor ? { cursor: { id: opts.cursor }, skip: 1 } : {}),
    select: {
      id: true, prompt: true, status: true, createdAt: true, finishedAt: true, creditsUsed: true, errorCode: true,
      steps: { where: { kind: 'script' }, orderBy: { startedAt: 'desc' }, take: 1, select: { modelId: true, credentialSource: true } },
    },
  });
  const items: RunSummary[] = rows.slice(0, limit).map(({ steps, prompt, ...r }) => ({
    ...r,
    prompt: prompt.slice(0, 200),
    model: steps[0]?.modelId ?? null,
    credentialSource: (steps[0]?.credentialSource as CredentialSource | undefined) ?? null,
  }));
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}

export async function getRun({ db, workspace }: WorkspaceScope, { runId }: { runId: string }) {
  const run = await db.generationRun.findFirst({
    where: { id: runId, workspaceId: workspace.id },
    select: {
      id: true, prompt: true, status: true, tier: true, errorCode: true, errorMessage: true, imageCount: true, aspectRatio: true,
      creditsUsed: true, createdAt: true, finishedAt: true, cancelRequestedAt: true,
      steps: { select: { ...stepSelect, keyId: true, text: true }, orderBy: [{ kind: 'desc' }, { startedAt: 'asc' }] },
      images: { select: { id: true }, orderBy: { createdAt: 'asc' } },
    },
  });
  if (!run) throw new AppError('NOT_FOUND', 'Run not found', 'not_found');
  return {
    ...run,
    steps: run.steps.map(({ text, keyId, ...st }) => ({ ...stepView(st), keyId, text })),
    images: run.images.map((i) => i.id),
  };
}
