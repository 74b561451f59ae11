// A workspace's own code, as a runtime would run it: the providers' official SDKs configured only by the
// environment variables they read (the runtime token in the key's variable, the gateway in the base URL's),
// in a process of its own with nothing else in its environment. The base URL is passed in code only where
// an SDK reads none (xAI through the OpenAI SDK, Mistral). Prints one JSON line: the result or the error.
//   node tests/gateway/sdk-client.mjs <provider> <action> [model]
// Each SDK is loaded only when its provider is asked for: loading all four costs ~2 s a process here
// (Mistral's alone 1.5 s), and the suites start one process per call.

const [provider, action, model] = process.argv.slice(2);
const prompt = 'Write one line about a fox.';

function failure(e) {
  return { ok: false, errorClass: e?.constructor?.name ?? typeof e, status: e?.status ?? e?.statusCode ?? e?.code ?? null, message: String(e?.message ?? e).slice(0, 300), retryAfter: e?.headers?.get?.('retry-after') ?? e?.headers?.['retry-after'] ?? null };
}

async function collect(stream, textOf) {
  let text = '';
  let chunks = 0;
  const extra = [];
  for await (const chunk of stream) {
    chunks++;
    text += textOf(chunk) ?? '';
    extra.push(chunk);
  }
  return { text, chunks, raw: extra };
}

async function openai(client, m) {
  switch (action) {
    case 'chat': {
      const r = await client.chat.completions.create({ model: m, messages: [{ role: 'user', content: prompt }] });
      return { text: r.choices[0].message.content, usage: r.usage };
    }
    case 'chat-stream': {
      const s = await client.chat.completions.create({ model: m, messages: [{ role: 'user', content: prompt }], stream: true });
      const { text, chunks, raw } = await collect(s, (c) => c.choices[0]?.delta?.content);
      // What the caller did not ask for must not appear: no usage chunk, no usage field.
      return { text, chunks, usageChunks: raw.filter((c) => 'usage' in c).length };
    }
    case 'chat-stream-usage': {
      const s = await client.chat.completions.create({ model: m, messages: [{ role: 'user', content: prompt }], stream: true, stream_options: { include_usage: true } });
      const { text, raw } = await collect(s, (c) => c.choices[0]?.delta?.content);
      return { text, usage: raw.at(-1)?.usage ?? null };
    }
    case 'abort-stream': {
      const s = await client.chat.completions.create({ model: m, messages: [{ role: 'user', content: prompt }], stream: true });
      let n = 0;
      for await (const _ of s) {
        if (++n === 2) {
          s.controller.abort();
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 300));
      return { aborted: true, chunks: n };
    }
    case 'responses': {
      const r = await client.responses.create({ model: m, input: prompt });
      return { text: r.output_text, usage: r.usage };
    }
    case 'responses-stream': {
      const s = await client.responses.create({ model: m, input: prompt, stream: true });
      const { text } = await collect(s, (e) => (e.type === 'response.output_text.delta' ? e.delta : ''));
      return { text };
    }
    case 'embeddings': {
      const r = await client.embeddings.create({ model: m, input: ['a fox', 'a hound'] });
      return { vectors: r.data.length, dims: r.data[0].embedding.length, usage: r.usage };
    }
    case 'models': {
      const list = [];
      for await (const x of client.models.list()) list.push(x.id);
      return { models: list };
    }
  }
  throw new Error(`unknown action ${action}`);
}

async function anthropic() {
  const { default: Anthropic } = await import('@anthropic-ai/sdk');
  const client = new Anthropic({ maxRetries: 0 });
  const m = model ?? 'claude-haiku-4-5-20251001';
  switch (action) {
    case 'chat': {
      const r = await client.messages.create({ model: m, max_tokens: 64, messages: [{ role: 'user', content: prompt }] });
      return { text: r.content[0].text, usage: r.usage };
    }
    case 'chat-stream': {
      const s = client.messages.stream({ model: m, max_tokens: 64, messages: [{ role: 'user', content: prompt }] });
      let text = '';
      s.on('text', (t) => (text += t));
      const final = await s.finalMessage();
      return { text, usage: final.usage };
    }
    case 'models': {
      const list = [];
      for await (const x of client.models.list()) list.push(x.id);
      return { models: list };
    }
  }
  throw new Error(`unknown action ${action}`);
}

async function google() {
  const { GoogleGenAI } = await import('@google/genai');
  const ai = new GoogleGenAI({});
  const m = model ?? 'gemini-2.5-flash';
  switch (action) {
    case 'chat': {
      const r = await ai.models.generateContent({ model: m, contents: prompt });
      return { text: r.text, usage: r.usageMetadata };
    }
    case 'chat-stream': {
      const s = await ai.models.generateContentStream({ model: m, contents: prompt });
      let text = '';
      let last = null;
      for await (const c of s) {
        text += c.text ?? '';
        last = c.usageMetadata ?? last;
      }
      return { text, usage: last };
    }
    case 'embeddings': {
      const r = await ai.models.embedContent({ model: model ?? 'gemini-embedding-001', contents: ['a fox', 'a hound'] });
      return { vectors: r.embeddings.length, dims: r.embeddings[0].values.length };
    }
    case 'models': {
      const list = [];
      for await (const x of await ai.models.list()) list.push(x.name);
      return { models: list };
    }
  }
  throw new Error(`unknown action ${action}`);
}

async function mistral() {
  const { Mistral } = await import('@mistralai/mistralai');
  const client = new Mistral({ serverURL: process.env.MISTRAL_BASE_URL, retryConfig: { strategy: 'none' } });
  const m = model ?? 'mistral-small-latest';
  switch (action) {
    case 'chat': {
      const r = await client.chat.complete({ model: m, messages: [{ role: 'user', content: prompt }] });
      return { text: r.choices[0].message.content, usage: r.usage };
    }
    case 'chat-stream': {
      const s = await client.chat.stream({ model: m, messages: [{ role: 'user', content: prompt }] });
      let text = '';
      let usage = null;
      for await (const e of s) {
        text += e.data.choices[0]?.delta?.content ?? '';
        usage = e.data.usage ?? usage;
      }
      return { text, usage };
    }
    case 'embeddings': {
      const r = await client.embeddings.create({ model: 'mistral-embed', inputs: ['a fox', 'a hound'] });
      return { vectors: r.data.length, usage: r.usage };
    }
    case 'models': {
      const r = await client.models.list();
      return { models: r.data.map((x) => x.id) };
    }
  }
  throw new Error(`unknown action ${action}`);
}

async function main() {
  const OpenAI = provider === 'openai' || provider === 'xai' ? (await import('openai')).default : null;
  switch (provider) {
    case 'openai':
      return openai(new OpenAI({ maxRetries: 0 }), model ?? 'gpt-4.1-mini');
    case 'xai':
      // The OpenAI SDK reads OPENAI_* only: xAI's key and base URL come from their own variables, in code.
      return openai(new OpenAI({ apiKey: process.env.XAI_API_KEY, baseURL: process.env.XAI_BASE_URL, maxRetries: 0 }), model ?? 'grok-3-mini');
    case 'anthropic':
      return anthropic();
    case 'google':
      return google();
    case 'mistral':
      return mistral();
    case 'brave': {
      const r = await fetch(`${process.env.BRAVE_BASE_URL}/res/v1/web/search?q=${encodeURIComponent('red fox')}&count=2`, {
        headers: { 'X-Subscription-Token': process.env.BRAVE_API_KEY, accept: 'application/json' },
      });
      if (!r.ok) return { ok: false, status: r.status, body: await r.json() };
      const body = await r.json();
      return { results: body.web.results.length };
    }
  }
  throw new Error(`unknown provider ${provider}`);
}

main().then(
  (result) => console.log(JSON.stringify({ ok: true, ...result })),
  (e) => console.log(JSON.stringify(failure(e))),
);
