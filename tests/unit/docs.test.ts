// The README and docs/ stay true to the tree: every relative link (and #anchor) resolves, and the folder
// map in docs/architecture.md names every folder of src/ to three levels. A moved doc, a renamed heading
// or a new folder fails here instead of leaving a dead link for the next reader.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const withoutCode = (md: string) => md.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped (hyphens and underscores kept), spaces to hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\- _]/gu, '').replace(/ /g, '-');
}

function anchors(file: string): Set<string> {
  return new Set([...withoutCode(read(file)).matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!)));
}

/** Relative links of a Markdown file that do not resolve, as written. */
function brokenLinks(file: string, text = read(file)): string[] {
  const broken: string[] = [];
  for (const [, link] of withoutCode(text).matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(link!)) continue; // https:, mailto: …
    const [path, fragment] = link!.split('#') as [string, string | undefined];
    const target = path ? normalize(join(dirname(file), path)) : file;
    if (!existsSync(join(ROOT, target))) broken.push(link!);
    else if (fragment && target.endsWith('.md') && !anchors(target).has(fragment)) broken.push(link!);
  }
  return broken;
}

function foldersUnder(dir: string, depth: number): string[] {
  if (depth === 0) return [];
  return readdirSync(join(ROOT, dir))
    .map((name) => join(dir, name))
    .filter((p) => statSync(join(ROOT, p)).isDirectory() && p !== 'src/generated')
    .flatMap((p) => [p, ...foldersUnder(p, depth - 1)]);
}

describe('docs', () => {
  it('links only to files and headings that exist', () => {
    expect(DOCS).toContain('docs/architecture.md');
    expect(Object.fromEntries(DOCS.map((f) => [f, brokenLinks(f)] as const).filter(([, b]) => b.length > 0))).toEqual({});
  });

  it('finds broken links and anchors when there are some', () => {
    // The checker itself, so the test above cannot pass for nothing.
    expect(slug("The layers' rules")).toBe('the-layers-rules');
    expect(slug('`npm test` and Playwright')).toBe('npm-test-and-playwright');
    const text = '[a](gone.md) [b](security.md#gone) [c](security.md#rotation) [d](../README.md) [e](https://x.test/y)\n```\n[f](in-code.md)\n```';
    expect(brokenLinks('docs/example.md', text)).toEqual(['gone.md', 'security.md#gone']);
  });

  it('lists every docs/ file in the README', () => {
    const readme = read('README.md');
    expect(DOCS.filter((f) => f !== 'README.md' && !readme.includes(`](${f})`))).toEqual([]);
  });

  it('maps every folder of src/ in docs/architecture.md', () => {
    const map = /## Folder map[\s\S]*?```([\s\S]*?)```/.exec(read('docs/architecture.md'))?.[1] ?? '';
    const folders = foldersUnder('src', 3);
    expect(folders).toContain('src/server/services/keys');
    // Each folder's own name appears in the map as `name/` (the map is drawn as a tree).
    const missing = folders.filter((f) => !map.includes(`${f.split('/').at(-1)}/`));
    expect(missing).toEqual([]);
  });
});
