// The gateway's OpenAI stream transform (gateway/proxy.ts) takes out the usage it asked for on the
// caller's behalf, and never holds more than about MAX_HELD_EVENT of an event that does not end.
import { describe, expect, it } from 'vitest';
import { MAX_HELD_EVENT, stripInjectedUsage } from '~/server/gateway/proxy';

const chunk = (i: number) => `data: {"id":"c","choices":[{"index":0,"delta":{"content":"w${i}"}}],"usage":null}\n\n`;
const usage = 'data: {"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\n';

function run(pieces: Buffer[]) {
  const t = stripInjectedUsage();
  let held = 0;
  const out: Buffer[] = [];
  let fed = 0;
  for (const p of pieces) {
    fed += p.length;
    const o = t.push(p);
    out.push(o);
    held = Math.max(held, fed - out.reduce((n, b) => n + b.length, 0));
  }
  out.push(t.end());
  return { text: Buffer.concat(out).toString('utf8'), held };
}

describe('stripInjectedUsage', () => {
  it('takes out the usage event and each "usage":null, however the bytes are cut', () => {
    const whole = Buffer.from(chunk(1) + chunk(2) + usage + 'data: [DONE]\n\n');
    const expected = chunk(1).replace(',"usage":null', '') + chunk(2).replace(',"usage":null', '') + 'data: [DONE]\n\n';
    for (let cut = 1; cut < whole.length; cut += 7) {
      expect(run([whole.subarray(0, cut), whole.subarray(cut)]).text).toBe(expected);
    }
  });

  it('passes on an event that never ends instead of holding it', () => {
    const pad = Buffer.alloc(64 * 1024, 'x');
    const pieces = [Buffer.from(chunk(1) + 'data: {"pad":"'), ...Array.from({ length: 48 }, () => pad)];
    const { text, held } = run(pieces);
    expect(held).toBeLessThanOrEqual(MAX_HELD_EVENT + pad.length);
    expect(text.length).toBe(chunk(1).length - ',"usage":null'.length + 'data: {"pad":"'.length + 48 * pad.length);
  });
});
