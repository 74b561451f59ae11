import 'server-only';
// Usage as the provider reported it, read from the bytes that passed through — the start of the response
// (Anthropic's message_start carries the input count) and its end (where every provider puts its totals) —
// without parsing or re-encoding the stream. The numbers are matched with their JSON quotes unescaped, so
// generated text that merely mentions "prompt_tokens" (escaped inside a string) never counts.
import type { UsageFormat } from '~/server/gateway/providers';

export type Usage = { inputTokens: number; outputTokens: number };

function last(text: string, field: string): number | null {
  const re = new RegExp(`"${field}"\\s*:\\s*(\\d+)`, 'g');
  let value: number | null = null;
  for (let m = re.exec(text); m; m = re.exec(text)) value = Number(m[1]);
  return value;
}

function first(text: string, field: string): number | null {
  const m = new RegExp(`"${field}"\\s*:\\s*(\\d+)`).exec(text);
  return m ? Number(m[1]) : null;
}

/** `head` is the first bytes of the response, `tail` its last ones (the same text for a small response). */
export function readUsage(format: UsageFormat, head: string, tail: string): Usage | null {
  switch (format) {
    case 'openai': {
      const input = last(tail, 'prompt_tokens');
      return input === null ? null : { inputTokens: input, outputTokens: last(tail, 'completion_tokens') ?? 0 };
    }
    case 'openai_responses': {
      const input = last(tail, 'input_tokens');
      return input === null ? null : { inputTokens: input, outputTokens: last(tail, 'output_tokens') ?? 0 };
    }
    case 'anthropic': {
      // Streamed: message_start has the input, each message_delta the output so far; whole: one usage object.
      const input = first(head, 'input_tokens') ?? last(tail, 'input_tokens');
      const output = last(tail, 'output_tokens');
      return input === null || output === null ? null : { inputTokens: input, outputTokens: output };
    }
    case 'google': {
      const input = last(tail, 'promptTokenCount');
      if (input === null) return null;
      return { inputTokens: input, outputTokens: (last(tail, 'candidatesTokenCount') ?? 0) + (last(tail, 'thoughtsTokenCount') ?? 0) };
    }
    case 'none':
      return null;
  }
}
