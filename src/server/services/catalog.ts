import 'server-only';
// The platform catalog and "My models" (PRODUCT.md M1, M3): what a workspace can pick from.
import type { Prisma } from '~/generated/prisma/client';
import { type Catalog, type PlatformModelDto, type Tier, ZTier } from '~/lib/schemas/models';
import type { ProviderId } from '~/lib/providers';
import { isModelId } from '~/lib/schemas/ids';
import type { Db } from '~/server/db/connect';
import { serverEnv } from '~/server/env';
import { AppError } from '~/server/errors';
import type { WorkspaceScope } from '~/server/services/context';
import { CATALOG, changingConfig } from '~/server/db/config-changes';

type Tx = Prisma.TransactionClient;

const platformSelect = {
  id: true, provider: true, modelId: true, displayName: true, tiers: true, creditsPer1kInput: true, creditsPer1kOutput: true,
} satisfies Prisma.PlatformModelSelect;

type PlatformRow = Prisma.PlatformModelGetPayload<{ select: typeof platformSelect }>;

function toPlatformDto(m: PlatformRow): PlatformModelDto {
  return {
    id: m.id,
    provider: m.provider as ProviderId,
    modelId: m.modelId,
    displayName: m.displayName,
    tiers: m.tiers.split(',').filter((t): t is Tier => ZTier.safeParse(t).success),
    creditsPer1kInput: m.creditsPer1kInput,
    creditsPer1kOutput: m.creditsPer1kOutput,
  };
}

export async function platformDefault(db: Db | Tx, tier: Tier): Promise<PlatformModelDto> {
  const row = await db.platformModel.findFirst({ where: { defaultForTier: tier, enabled: true, kind: 'text' }, select: platformSelect });
  if (!row) throw new AppError('SERVICE_UNAVAILABLE', `No platform model is configured for the ${tier} tier.`, 'catalog_incomplete');
  return toPlatformDto(row);
}

export async function findPlatformModel(db: Db | Tx, ref: { id: string } | { provider: string; modelId: string }) {
  const row = await db.platformModel.findFirst({
    where: { enabled: true, kind: 'text', ...('id' in ref ? { id: ref.id } : { provider: ref.provider, modelId: ref.modelId }) },
    select: platformSelect,
  });
  return row ? toPlatformDto(row) : null;
}

/**
 * Everything the model picker offers this workspace. Never decrypts anything. One round trip, the
 * document assembled by the database: mapping a few hundred model rows through the ORM cost more than
 * the query itself.
 */
export async function getCatalog({ db, workspace }: WorkspaceScope): Promise<Catalog> {
  const [row] = await db.$queryRaw<{ doc: string }[]>`
    SELECT json_build_object(
      'myModels', COALESCE((
        SELECT json_agg(json_build_object(
          'keyId', k.id, 'provider', k.provider, 'label', k.label, 'maskedHint', k."maskedHint", 'status', k.status,
          'models', COALESCE((
            SELECT json_agg(json_build_object('modelId', d."modelId", 'displayName', d."displayName", 'available', d.available, 'contextWindow', d."contextWindow") ORDER BY d."modelId")
            FROM discovered_model d WHERE d."keyId" = k.id), '[]')
        ) ORDER BY k.provider, k.label)
        FROM provider_key k WHERE k."workspaceId" = ${workspace.id}), '[]'),
      'platformModels', COALESCE((
        SELECT json_agg(json_build_object(
          'id', p.id, 'provider', p.provider, 'modelId', p."modelId", 'displayName', p."displayName", 'tiers', p.tiers,
          'creditsPer1kInput', p."creditsPer1kInput", 'creditsPer1kOutput', p."creditsPer1kOutput"
        ) ORDER BY p.provider, p."displayName")
        FROM platform_model p WHERE p.enabled AND p.kind = 'text'), '[]'),
      -- the model a run's images use (generation/plan.ts imageModel): the first enabled one of the image provider
      'imageCreditsPerImage', (
        SELECT p."creditsPerImage" FROM platform_model p
        WHERE p.provider = ${serverEnv().PLATFORM_IMAGE_PROVIDER} AND p.kind = 'image' AND p.enabled ORDER BY p.id LIMIT 1)
    )::text AS doc`;
  const doc = JSON.parse(row!.doc) as Omit<Catalog, 'platformModels'> & { platformModels: PlatformRow[] };
  return { myModels: doc.myModels, platformModels: doc.platformModels.map(toPlatformDto), imageCreditsPerImage: doc.imageCreditsPerImage };
}

// ---- operator edits (npm run admin -- catalog …) ----

export type CatalogEdit = {
  displayName?: string;
  tiers?: Tier[];
  creditsPer1kInput?: number;
  creditsPer1kOutput?: number;
  creditsPerImage?: number;
  enabled?: boolean;
  defaultForTier?: Tier;
};

export async function listCatalogForOperator(db: Db) {
  return db.platformModel.findMany({ orderBy: [{ kind: 'asc' }, { provider: 'asc' }, { modelId: 'asc' }] });
}

export async function addCatalogModel(
  db: Db,
  input: { provider: ProviderId; modelId: string; kind: 'text' | 'image' } & CatalogEdit,
): Promise<void> {
  if (!isModelId(input.modelId)) throw new AppError('BAD_REQUEST', 'Invalid model id: letters, digits, ".", "_", ":" and "-", up to 128 characters.', 'invalid_model');
  await changingConfig(db, CATALOG, () => db.platformModel.create({
    data: {
      id: `${input.provider}:${input.modelId}`,
      provider: input.provider,
      modelId: input.modelId,
      kind: input.kind,
      displayName: input.displayName ?? input.modelId,
      tiers: (input.tiers ?? []).join(','),
      creditsPer1kInput: input.creditsPer1kInput ?? 0,
      creditsPer1kOutput: input.creditsPer1kOutput ?? 0,
      creditsPerImage: input.creditsPerImage ?? 0,
    },
  }));
}

export async function editCatalogModel(db: Db, id: string, edit: CatalogEdit): Promise<void> {
  await changingConfig(db, CATALOG, () => db.$transaction(async (tx) => {
    const m = await tx.platformModel.findUnique({ where: { id } });
    if (!m) throw new AppError('NOT_FOUND', 'No catalog model with that id (see `catalog list`).', 'not_found');
    if (edit.enabled === false && m.defaultForTier) {
      throw new AppError('CONFLICT', `It is the ${m.defaultForTier} default: make another model the default first.`, 'is_default');
    }
    if (edit.defaultForTier) {
      if (m.kind !== 'text' || !m.enabled) throw new AppError('BAD_REQUEST', 'Only enabled text models can be tier defaults.', 'not_text');
      if (m.defaultForTier && m.defaultForTier !== edit.defaultForTier) {
        throw new AppError('CONFLICT', `It is the ${m.defaultForTier} default: make another model the ${m.defaultForTier} default first.`, 'is_default');
      }
      await tx.platformModel.updateMany({ where: { defaultForTier: edit.defaultForTier }, data: { defaultForTier: null } });
    }
    await tx.platformModel.update({
      where: { id },
      data: {
        displayName: edit.displayName,
        tiers: edit.tiers?.join(','),
        creditsPer1kInput: edit.creditsPer1kInput,
        creditsPer1kOutput: edit.creditsPer1kOutput,
        creditsPerImage: edit.creditsPerImage,
        enabled: edit.enabled,
        defaultForTier: edit.defaultForTier,
      },
    });
  }));
}
