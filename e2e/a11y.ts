// Accessibility and layout checks the browser tests share: axe (WCAG 2.2 A/AA and best practices) with
// no exceptions, and no sideways scrolling on a phone.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect } from './test';

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa', 'best-practice'];

/** Runs axe on the page as it is now (open dialogs and popovers included) and expects no violation. */
export async function expectAccessible(page: Page, state: string) {
  // A dialog still fading in blends its colours with the page behind it (a button's contrast then reads
  // 4.3:1): axe checks the state once its opening animations are over. Endless ones (spinners) are left.
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => a.effect?.getComputedTiming().iterations !== Infinity)
        .map((a) => a.finished.catch(() => undefined)),
    ),
  );
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const summary = results.violations.map((v) => ({
    rule: v.id,
    impact: v.impact,
    nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(0, 2).join(' ')}`),
  }));
  expect(summary, `axe violations on ${state}`).toEqual([]);
}

/** The page is no wider than the screen: nothing scrolls sideways. */
export async function expectNoHorizontalOverflow(page: Page, state: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `horizontal overflow on ${state}`).toBeLessThanOrEqual(0);
}

/** Collects Content-Security-Policy refusals reported to the console. */
export function watchCsp(page: Page): string[] {
  const refused: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) refused.push(m.text());
  });
  return refused;
}
