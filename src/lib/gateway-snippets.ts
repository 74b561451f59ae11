// What the Developers page (and `npm run demo`) gives a workspace's code to call the providers through the
// gateway: the environment lines for a runtime, and a runnable call per language. Tests run the Node and
// curl snippets against a real server (tests/integration/gateway-snippets.test.ts), so they stay true.
import { GATEWAY, type GatewayProvider } from '~/lib/gateway';

export type EnvLine = { name: string; value: string; readBySdk: boolean };

/** The variables a runtime needs: the token where the SDK reads its key, and the gateway's base URL. */
export function envLines(provider: GatewayProvider, origin: string, token: string): EnvLine[] {
  const info = GATEWAY[provider];
  return [
    { name: info.keyVar, value: token, readBySdk: provider !== 'brave' },
    { name: baseUrlVar(provider), value: `${origin}${info.basePath}`, readBySdk: info.baseUrlVar !== null },
  ];
}

/** The base URL's variable: the SDK's own where it has one, else ours, which the snippets pass in code. */
export function baseUrlVar(provider: GatewayProvider): string {
  return GATEWAY[provider].baseUrlVar ?? `${provider.toUpperCase()}_BASE_URL`;
}

export const dotenv = (lines: EnvLine[]) => lines.map((l) => `${l.name}=${l.value}`).join('\n');
export const exports = (lines: EnvLine[]) => lines.map((l) => `export ${l.name}=${shellQuote(l.value)}`).join('\n');

function shellQuote(v: string): string {
  return /^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

export type SnippetLanguage = 'curl' | 'node' | 'python';
export const SNIPPET_LANGUAGES: readonly SnippetLanguage[] = ['curl', 'node', 'python'];

const PROMPT = 'Say hello in five words.';

/** A model each provider serves on platform credits too, so the snippet runs in either mode. */
export const SNIPPET_MODELS: Record<Exclude<GatewayProvider, 'brave'>, string> = {
  openai: 'gpt-4.1-mini',
  anthropic: 'claude-haiku-4-5-20251001',
  google: 'gemini-2.5-flash',
  xai: 'grok-3-mini',
  mistral: 'mistral-small-latest',
};

const chatBody = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: PROMPT }] });

/** The snippet, written against the variables of envLines (nothing secret is ever in it). */
export function snippet(provider: GatewayProvider, language: SnippetLanguage): string {
  const key = GATEWAY[provider].keyVar;
  const base = baseUrlVar(provider);
  if (provider === 'brave') return BRAVE[language](key, base);
  const model = SNIPPET_MODELS[provider];
  switch (language) {
    case 'curl':
      return CURL[provider](key, base, model);
    case 'node':
      return NODE[provider](key, base, model);
    case 'python':
      return PYTHON[provider](key, base, model);
  }
}

type Write = (key: string, base: string, model: string) => string;
type Chat = Record<Exclude<GatewayProvider, 'brave'>, Write>;

const openAiCurl: Write = (key, base, model) =>
  `curl "$${base}/chat/completions" \\\n  -H "Authorization: Bearer $${key}" \\\n  -H "Content-Type: application/json" \\\n  -d '${chatBody(model)}'`;

const CURL: Chat = {
  openai: openAiCurl,
  xai: openAiCurl,
  mistral: (key, base, model) =>
    `curl "$${base}/v1/chat/completions" \\\n  -H "Authorization: Bearer $${key}" \\\n  -H "Content-Type: application/json" \\\n  -d '${chatBody(model)}'`,
  anthropic: (key, base, model) =>
    `curl "$${base}/v1/messages" \\\n  -H "x-api-key: $${key}" \\\n  -H "anthropic-version: 2023-06-01" \\\n  -H "Content-Type: application/json" \\\n  -d '${JSON.stringify({ model, max_tokens: 256, messages: [{ role: 'user', content: PROMPT }] })}'`,
  google: (key, base, model) =>
    `curl "$${base}/v1beta/models/${model}:generateContent" \\\n  -H "x-goog-api-key: $${key}" \\\n  -H "Content-Type: application/json" \\\n  -d '${JSON.stringify({ contents: [{ parts: [{ text: PROMPT }] }] })}'`,
};

const openAiChatNode = (model: string) =>
  `const r = await client.chat.completions.create({\n  model: '${model}',\n  messages: [{ role: 'user', content: '${PROMPT}' }],\n});\nconsole.log(r.choices[0].message.content);`;

const NODE: Chat = {
  openai: (_key, _base, model) => `// npm install openai\nimport OpenAI from 'openai';\n\nconst client = new OpenAI(); // reads OPENAI_API_KEY and OPENAI_BASE_URL\n${openAiChatNode(model)}`,
  xai: (key, base, model) =>
    `// npm install openai\nimport OpenAI from 'openai';\n\n// The OpenAI SDK reads OPENAI_* only: xAI's key and base URL are passed in code.\nconst client = new OpenAI({ apiKey: process.env.${key}, baseURL: process.env.${base} });\n${openAiChatNode(model)}`,
  anthropic: (_key, _base, model) =>
    `// npm install @anthropic-ai/sdk\nimport Anthropic from '@anthropic-ai/sdk';\n\nconst client = new Anthropic(); // reads ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL\nconst r = await client.messages.create({\n  model: '${model}',\n  max_tokens: 256,\n  messages: [{ role: 'user', content: '${PROMPT}' }],\n});\nconsole.log(r.content[0].text);`,
  google: (_key, _base, model) =>
    `// npm install @google/genai\nimport { GoogleGenAI } from '@google/genai';\n\nconst ai = new GoogleGenAI({}); // reads GOOGLE_API_KEY and GOOGLE_GEMINI_BASE_URL\nconst r = await ai.models.generateContent({ model: '${model}', contents: '${PROMPT}' });\nconsole.log(r.text);`,
  mistral: (key, base, model) =>
    `// npm install @mistralai/mistralai\nimport { Mistral } from '@mistralai/mistralai';\n\n// Mistral's SDK takes its server URL in code only.\nconst client = new Mistral({ apiKey: process.env.${key}, serverURL: process.env.${base} });\nconst r = await client.chat.complete({\n  model: '${model}',\n  messages: [{ role: 'user', content: '${PROMPT}' }],\n});\nconsole.log(r.choices[0].message.content);`,
};

const openAiChatPython = (model: string) =>
  `r = client.chat.completions.create(\n    model="${model}",\n    messages=[{"role": "user", "content": "${PROMPT}"}],\n)\nprint(r.choices[0].message.content)`;

const PYTHON: Chat = {
  openai: (_key, _base, model) => `# pip install openai\nfrom openai import OpenAI\n\nclient = OpenAI()  # reads OPENAI_API_KEY and OPENAI_BASE_URL\n${openAiChatPython(model)}`,
  xai: (key, base, model) =>
    `# pip install openai\nimport os\nfrom openai import OpenAI\n\nclient = OpenAI(api_key=os.environ["${key}"], base_url=os.environ["${base}"])\n${openAiChatPython(model)}`,
  anthropic: (_key, _base, model) =>
    `# pip install anthropic\nimport anthropic\n\nclient = anthropic.Anthropic()  # reads ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL\nr = client.messages.create(\n    model="${model}",\n    max_tokens=256,\n    messages=[{"role": "user", "content": "${PROMPT}"}],\n)\nprint(r.content[0].text)`,
  google: (_key, base, model) =>
    `# pip install google-genai\nimport os\nfrom google import genai\nfrom google.genai import types\n\n# The key comes from GOOGLE_API_KEY; the base URL is passed in code.\nclient = genai.Client(http_options=types.HttpOptions(base_url=os.environ["${base}"]))\nr = client.models.generate_content(model="${model}", contents="${PROMPT}")\nprint(r.text)`,
  mistral: (key, base, model) =>
    `# pip install mistralai\nimport os\nfrom mistralai import Mistral\n\nclient = Mistral(api_key=os.environ["${key}"], server_url=os.environ["${base}"])\nr = client.chat.complete(\n    model="${model}",\n    messages=[{"role": "user", "content": "${PROMPT}"}],\n)\nprint(r.choices[0].message.content)`,
};

const BRAVE: Record<SnippetLanguage, (key: string, base: string) => string> = {
  curl: (key, base) => `curl "$${base}/res/v1/web/search?q=red+fox&count=3" \\\n  -H "X-Subscription-Token: $${key}" \\\n  -H "Accept: application/json"`,
  node: (key, base) =>
    `const r = await fetch(\`\${process.env.${base}}/res/v1/web/search?q=red+fox&count=3\`, {\n  headers: { 'X-Subscription-Token': process.env.${key}, Accept: 'application/json' },\n});\nconst body = await r.json();\nconsole.log(body.web.results.map((x) => x.title));`,
  python: (key, base) =>
    `import json, os, urllib.request\n\nreq = urllib.request.Request(\n    os.environ["${base}"] + "/res/v1/web/search?q=red+fox&count=3",\n    headers={"X-Subscription-Token": os.environ["${key}"], "Accept": "application/json"},\n)\nprint([x["title"] for x in json.load(urllib.request.urlopen(req))["web"]["results"]])`,
};
