// Generate's estimate (src/lib/costs.ts, shown before a run) must be the most the server reserves for
// the same run: if the two drifted, the page would promise one price and charge or refuse another.
import { expect, it } from 'vitest';
import { scriptCreditRange } from '~/lib/costs';
import { getCatalog } from '~/server/services/catalog';
import { startGeneration } from '~/server/services/generation/run';
import { AppError } from '~/server/errors';
import { describeEachDb } from '../helpers/db';
import { createUser } from '../helpers/fixtures';

await describeEachDb('cost estimate', (getDb) => {
  const t = { get db() { return getDb().db; } };

  it('equals the reservation the server asks for, for each platform model, prompt length and image count', async () => {
    const owner = await createUser(t.db, 'Estimator');
    await t.db.workspace.update({ where: { id: owner.workspace.id }, data: { creditBalance: 0 } });
    const catalog = await getCatalog({ db: t.db, workspace: owner.workspace });
    expect(catalog.imageCreditsPerImage).toBeGreaterThan(0);
    for (const m of catalog.platformModels.slice(0, 4)) {
      // The prompt lengths either side of a step in the estimate: a drift of one token either way fails.
      const price = { in: m.creditsPer1kInput, out: m.creditsPer1kOutput };
      let edge = 1;
      while (scriptCreditRange(price, 'x'.repeat(edge + 1)).max === scriptCreditRange(price, 'x'.repeat(edge)).max) edge++;
      expect(edge).toBeLessThan(4000);
      const prompts = ['Otters', 'Бобры строят плотину, 水獭在建坝', 'x'.repeat(edge), 'x'.repeat(edge + 1)];
      for (const prompt of prompts) {
        for (const imageCount of [0, 3]) {
          const estimate =
            scriptCreditRange({ in: m.creditsPer1kInput, out: m.creditsPer1kOutput }, prompt).max + imageCount * catalog.imageCreditsPerImage!;
          const refused = await startGeneration(
            { db: t.db, actor: owner, workspace: owner.workspace },
            { prompt, choice: { source: 'platform', platformModelId: m.id }, imageCount },
          ).then(
            () => null,
            (e: unknown) => e,
          );
          expect(refused).toBeInstanceOf(AppError);
          expect((refused as AppError).details).toMatchObject({ required: estimate, balance: 0 });
        }
      }
    }
  });

  it('gives the platform model’s context-free range: at least one credit, at most the reservation', () => {
    const r = scriptCreditRange({ in: 1, out: 2 }, 'x');
    expect(r.min).toBe(1);
    expect(r.max).toBeGreaterThan(r.min);
  });
});
