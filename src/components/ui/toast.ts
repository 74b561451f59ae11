// The toast store: any handler calls `toast.success(…)` without a hook; <Toaster> (toaster.tsx, loaded
// after the page) shows what is here. Kept apart so that calling toast() does not bring the Radix toast
// code into a page's first load.
type Tone = 'success' | 'error' | 'info';
export type Item = { id: number; tone: Tone; title: string; description?: string };

let items: Item[] = [];
export const currentToasts = () => items;
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());

function push(tone: Tone, title: string, description?: string) {
  items = [...items.slice(-3), { id: nextId++, tone, title, description }];
  emit();
}

export const toast = {
  success: (title: string, description?: string) => push('success', title, description),
  error: (title: string, description?: string) => push('error', title, description),
  info: (title: string, description?: string) => push('info', title, description),
};

export function dismiss(id: number) {
  items = items.filter((i) => i.id !== id);
  emit();
}

export const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

