// What a model choice is called, in the picker's list and on its button alike; the picker itself
// (model-picker-popover.tsx) is loaded after the page.
import Link from 'next/link';
import { modelName } from '~/lib/model-names';
import type { Catalog, ModelChoice } from '~/lib/schemas/models';
import { PROVIDERS, type ProviderId } from '~/lib/providers';

export function sameChoice(a: ModelChoice | null, b: ModelChoice | null): boolean {
  if (!a || !b) return a === b;
  if (a.source === 'platform' && b.source === 'platform') return a.platformModelId === b.platformModelId;
  if (a.source === 'byok' && b.source === 'byok') return a.keyId === b.keyId && a.modelId === b.modelId;
  return false;
}

export type ChoiceView = { provider: ProviderId | null; name: string; detail: string };

/** How a choice reads, the same in the list and on the button: the model's name, then whose key or what it costs. */
export function describeChoice(catalog: Catalog, choice: ModelChoice | null): ChoiceView | null {
  if (!choice) return null;
  if (choice.source === 'platform') {
    const m = catalog.platformModels.find((x) => x.id === choice.platformModelId);
    return m ? { provider: m.provider, name: m.displayName, detail: `Platform · ${priceText(m)}` } : null;
  }
  const g = catalog.myModels.find((k) => k.keyId === choice.keyId);
  if (!g) return { provider: null, name: choice.modelId, detail: 'Key removed' };
  const m = g.models.find((x) => x.modelId === choice.modelId);
  return { provider: g.provider, name: modelName(catalog, g.provider, choice.modelId, m?.displayName), detail: keyText(g) };
}

export const priceText = (m: { creditsPer1kInput: number; creditsPer1kOutput: number }) =>
  `${m.creditsPer1kInput}/${m.creditsPer1kOutput} credits per 1K tokens in/out`;
export const keyText = (g: { provider: ProviderId; label: string; maskedHint: string }) => `Your ${PROVIDERS[g.provider].name} key “${g.label}” · ${g.maskedHint}`;

/** The picker's "no keys" line, by plan and role. */
export function KeysHelp({ byok, isOwner, slug }: { byok: boolean; isOwner: boolean; slug: string }) {
  if (!byok) {
    return (
      <>
        your own keys need the Pro plan or above.{' '}
        <Link className="font-medium text-accent-foreground underline underline-offset-2" href={`/w/${slug}/settings/plan`}>See plans</Link>
      </>
    );
  }
  if (!isOwner) return <>no models from your own keys yet. Ask your workspace owner to add an API key.</>;
  return (
    <>
      no models from your own keys yet.{' '}
      <Link className="font-medium text-accent-foreground underline underline-offset-2" href={`/w/${slug}/settings/api-keys`}>Add an API key</Link>{' '}
      to use them here without credits.
    </>
  );
}
