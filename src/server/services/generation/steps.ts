import 'server-only';
// A run step's row as its watchers see it: the fields a step event carries, never the key or reservation it used.
import type { CredentialSource, StepView } from '~/lib/schemas/generation';
import { Prisma } from '~/generated/prisma/client';
import type { Db } from '~/server/db/connect';
import { columnsOf, queryRows } from '~/server/db/sql';

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

type StepChange = Partial<Pick<StepView, 'status' | 'errorCode' | 'inputTokens' | 'outputTokens' | 'credits' | 'startedAt' | 'finishedAt'> & { text: string | null }>;
const CHANGEABLE = ['status', 'errorCode', 'inputTokens', 'outputTokens', 'credits', 'startedAt', 'finishedAt', 'text'] as const satisfies (keyof StepChange)[];
const RETURNED = columnsOf(stepSelect);

/** Changes a step and returns how it now looks, in one round trip (a run's hot path: db/sql.ts). */
export async function updateStep(db: Db, id: string, change: StepChange): Promise<StepView> {
  const set = CHANGEABLE.filter((c) => change[c] !== undefined).map((c) => Prisma.sql`${Prisma.raw(`"${c}"`)} = ${change[c]}`);
  const [row] = await queryRows<StepRow>(db, Prisma.sql`UPDATE generation_step SET ${Prisma.join(set)} WHERE id = ${id} RETURNING ${RETURNED}`);
  if (!row) throw new Error(`step ${id} is gone`);
  return stepView(row);
}

export type StepResult = { credits: number; failure: { status: 'failed' | 'cancelled'; code: string; message: string } | null };
