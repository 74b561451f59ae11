import 'server-only';
// The list prices behind the usage page's estimated provider cost (model_price). Operator-only: edited
// with `npm run admin -- catalog price …`. A price applies from its day on; an older day keeps the price
// it had, so editing never rewrites past estimates.
import { z } from 'zod';
import { ZModelId } from '~/lib/schemas/ids';
import { ZProviderId } from '~/lib/schemas/enums';
import type { Db } from '~/server/db/connect';
import { AppError } from '~/server/errors';
import { newId } from '~/server/ids';

const ZUsd = z.number().finite().min(0).max(10_000);
export const ZModelPriceInput = z.object({
  provider: ZProviderId,
  modelId: ZModelId,
  inputUsdPer1M: ZUsd,
  outputUsdPer1M: ZUsd,
  effectiveFrom: z.iso.date(),
});
export type ModelPriceInput = z.infer<typeof ZModelPriceInput>;

export async function listModelPrices(db: Db) {
  return db.modelPrice.findMany({ orderBy: [{ provider: 'asc' }, { modelId: 'asc' }, { effectiveFrom: 'asc' }] });
}

/** Sets a model's price from a day on (the same day again replaces that day's price). */
export async function setModelPrice(db: Db, input: ModelPriceInput): Promise<void> {
  const p = ZModelPriceInput.safeParse(input);
  if (!p.success) throw new AppError('BAD_REQUEST', `Bad price: ${p.error.issues[0]?.path.join('.')} ${p.error.issues[0]?.message}`, 'invalid_price');
  const { provider, modelId, inputUsdPer1M, outputUsdPer1M } = p.data;
  const effectiveFrom = new Date(`${p.data.effectiveFrom}T00:00:00Z`);
  await db.modelPrice.upsert({
    where: { provider_modelId_effectiveFrom: { provider, modelId, effectiveFrom } },
    create: { id: newId(), provider, modelId, inputUsdPer1M, outputUsdPer1M, effectiveFrom },
    update: { inputUsdPer1M, outputUsdPer1M },
  });
}
