import 'server-only';
// A run step's row as its watchers see it: the fields a step event carries, never the key or reservation it used.
import type { CredentialSource, StepView } from '~/lib/schemas/generation';
import { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';

export const stepSelect = {
  id: true, kind: true, provider: true, modelId: true, credentialSource: true, status: true, errorCode: true,
  inputTokens: true, outputTokens: true, credits: true, startedAt: true, finishedAt: true,
} as const;

export type StepRow = { [K in keyof typeof stepSelect]: K extends 'kind' | 'credentialSource' ? string : StepView[K] };

/** Copies the public fields one by one: a row read with more columns (its key, its reservation) passes none of them on. */
export function stepView(s: StepRow): StepView {
  return {
    id: s.id, kind: s.kind as StepView['kind'], provider: s.provider, modelId: s.modelId, credentialSource: s.credentialSource as CredentialSource,
    status: s.status, errorCode: s.errorCode, inputTokens: s.inputTokens, outputTokens: s.outputTokens, credits: s.credits,
    startedAt: s.startedAt, finishedAt: s.finishedAt,
  };
}

/** Changes a step and returns how it now looks, in one round trip. */
export async function updateStep(db: Db, id: string, data: Prisma.GenerationStepUpdateInput): Promise<StepView> {
  return stepView(await db.generationStep.update({ where: { id }, data, select: stepSelect }));
}

export type StepResult = { credits: number; failure: { status: 'failed' | 'cancelled'; code: string; message: string } | null };
