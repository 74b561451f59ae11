import 'server-only';
// The only form of a key ever shown after save (PRODUCT.md K6): first four and last four characters
// with a single ellipsis, which does not reveal the length. Short values are masked entirely.
export function maskKey(key: string): string {
  const k = key.trim();
  const chars = Array.from(k);
  if (chars.length < 20) return '••••••••';
  return `${chars.slice(0, 4).join('')}…${chars.slice(-4).join('')}`;
}
