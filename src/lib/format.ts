// Dates as fixed UTC text, so the server and the browser render the same string.
export function formatWhen(d: Date | null): string {
  return d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'never';
}

export function credits(n: number): string {
  return `${n.toLocaleString('en-US')} credit${n === 1 ? '' : 's'}`;
}
