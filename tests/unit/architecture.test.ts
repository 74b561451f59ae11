// The shape of the code, checked: rules that reviews kept restating, written down where a change that
// breaks one fails. Files are read with TypeScript's own parser (no regular expressions over source),
// so comments and strings do not count as code.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE = /\.(ts|tsx|mts|mjs|js|cjs)$/;
const SKIPPED_DIRS = new Set(['node_modules', '.next', '.git', 'test-results', 'playwright-report', 'bench-results']);

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(join(ROOT, d))) {
      const rel = join(d, name);
      if (SKIPPED_DIRS.has(name) || name.startsWith('.data') || rel === 'src/generated') continue;
      if (statSync(join(ROOT, rel)).isDirectory()) walk(rel);
      else if (SOURCE.test(name)) out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

const texts = new Map<string, string>();
const text = (file: string) => texts.get(file) ?? texts.set(file, readFileSync(join(ROOT, file), 'utf8')).get(file)!;
const trees = new Map<string, ts.SourceFile>();
const parse = (file: string) => trees.get(file) ?? trees.set(file, ts.createSourceFile(file, text(file), ts.ScriptTarget.Latest, true)).get(file)!;

function nodes(file: string, keep: (n: ts.Node) => boolean): ts.Node[] {
  const found: ts.Node[] = [];
  const visit = (n: ts.Node) => {
    if (keep(n)) found.push(n);
    n.forEachChild(visit);
  };
  visit(parse(file));
  return found;
}

/** Every module a file imports or re-exports, type-only and dynamic imports included. */
function importsOf(file: string): string[] {
  return ts.preProcessFile(text(file), true, true).importedFiles.map((f) => f.fileName);
}

/** The src/server module a specifier names, or null for anything else (packages, other folders). */
function resolveServer(from: string, spec: string, known: Set<string>): string | null {
  const base = spec.startsWith('~/') ? join('src', spec.slice(2)) : spec.startsWith('.') ? join(dirname(from), spec) : null;
  if (!base) return null;
  return [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((c) => known.has(c)) ?? null;
}

/** The cycles of an import graph: strongly connected components (Tarjan) of more than one module, or a self-import. */
function cyclesOf(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) cycles.push(component.sort());
  };
  for (const f of graph.keys()) if (!index.has(f)) connect(f);
  return cycles;
}

function importCycles(files: string[]): string[][] {
  const known = new Set(files);
  return cyclesOf(new Map(files.map((f) => [f, importsOf(f).map((s) => resolveServer(f, s, known)).filter((x): x is string => x !== null)])));
}

const SERVER = filesUnder('src/server');
const SRC = filesUnder('src');

describe('architecture', () => {
  it('finds the modules it checks', () => {
    // A moved folder must not make every rule below pass vacuously.
    expect(SERVER).toContain('src/server/services/keys/writer.ts');
    expect(SERVER.length).toBeGreaterThan(50);
  });

  it('has no import cycle among the server modules (type-only imports count)', () => {
    expect(importCycles(SERVER)).toEqual([]);
  });

  it('detects an import cycle when there is one', () => {
    // The detector itself, on the cycle this repository once had (keys → workspaces → user-defaults →
    // keys): if it stopped finding cycles, the test above would pass for nothing.
    const graph = new Map([
      ['keys', ['workspaces', 'audit']],
      ['workspaces', ['user-defaults']],
      ['user-defaults', ['keys', 'audit']],
      ['audit', []],
      ['self', ['self']],
    ]);
    expect(cyclesOf(graph)).toEqual([['keys', 'user-defaults', 'workspaces'], ['self']]);
    // …and it resolves this repository's import specifiers (alias, relative, folder index).
    const known = new Set(['src/server/a.ts', 'src/server/b/index.ts']);
    expect(resolveServer('src/server/b/index.ts', '../a', known)).toBe('src/server/a.ts');
    expect(resolveServer('src/server/a.ts', '~/server/b', known)).toBe('src/server/b/index.ts');
    expect(resolveServer('src/server/a.ts', 'zod', known)).toBeNull();
  });

  it('marks every server module server-only', () => {
    const missing = SERVER.filter((f) => !importsOf(f).includes('server-only'));
    expect(missing).toEqual([]);
  });

  it('reads the environment in src/server/env.ts only', () => {
    // src/proxy.ts is built by Next.js into its own bundle and runs before every page; it reads two
    // variables itself rather than load the server's configuration (see its comment).
    const allowed = new Set(['src/server/env.ts', 'src/proxy.ts']);
    const readers = SRC.filter(
      (f) =>
        !allowed.has(f) &&
        nodes(f, (n) => ts.isPropertyAccessExpression(n) && n.name.text === 'env' && ts.isIdentifier(n.expression) && n.expression.text === 'process').length > 0,
    );
    expect(readers).toEqual([]);
  });

  it('keeps every source file under 400 lines', () => {
    const roots = ['src', 'scripts', 'tests', 'e2e', 'bench'];
    const long = roots
      .flatMap(filesUnder)
      .map((f) => [f, text(f).split('\n').length - (text(f).endsWith('\n') ? 1 : 0)] as const)
      .filter(([, lines]) => lines > 400);
    expect(long).toEqual([]);
  });

  it('words the plan gate once, in the policy module', () => {
    // No hard-coded list of plan names anywhere: they come from src/lib/plans.ts.
    expect(SRC.filter((f) => text(f).includes('Pro, Ultra'))).toEqual([]);
    // The gate's decision, its reason and its message exist only in src/server/policy.ts.
    const gate = (n: ts.Node) =>
      (ts.isPropertyAccessExpression(n) && n.name.text === 'byok') ||
      (ts.isStringLiteralLike(n) && (n.text === 'plan_required' || n.text.includes('Bring-your-own-key')));
    const gates = SERVER.filter((f) => nodes(f, gate).length > 0);
    expect(gates).toEqual(['src/server/policy.ts']);
  });

  it('keeps the audit module a leaf that any layer (the vault included) may import', () => {
    const known = new Set(SERVER);
    const deps = importsOf('src/server/services/audit.ts')
      .map((spec) => resolveServer('src/server/services/audit.ts', spec, known))
      .filter((f): f is string => f !== null && f.startsWith('src/server/services/') && f !== 'src/server/services/context.ts');
    expect(deps).toEqual([]);
  });

  it('writes key rows, their models and audit rows from one module each', () => {
    const writes = (table: string, model: string) => (n: ts.Node) =>
      (ts.isPropertyAccessExpression(n) &&
        /^(create|createMany|update|updateMany|upsert|delete|deleteMany)$/.test(n.name.text) &&
        ts.isPropertyAccessExpression(n.expression) &&
        n.expression.name.text === model) ||
      ((ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n) || ts.isStringLiteral(n)) &&
        new RegExp(`\\b(INSERT\\s+INTO|UPDATE|DELETE\\s+FROM)\\s+"?${table}\\b`, 'i').test(n.text));
    const writers = (table: string, model: string) => SRC.filter((f) => nodes(f, writes(table, model)).length > 0);
    // The vault re-seals and re-wraps the sealed columns of stored keys in place (master key rotation,
    // format upgrades); nothing else of a key row.
    expect(writers('provider_key', 'providerKey')).toEqual(['src/server/services/keys/writer.ts', 'src/server/vault/envelope.ts']);
    expect(writers('discovered_model', 'discoveredModel')).toEqual(['src/server/services/keys/writer.ts']);
    expect(writers('audit_event', 'auditEvent')).toEqual(['src/server/services/audit.ts']);
  });
});

