#!/usr/bin/env bash
# `npm run demo`: the app plus the local fake providers, with base URLs pointed at them and a demo owner
# on the Pro plan, so the whole BYOK flow can be tried with no real keys. Data lives in ./.data-demo/.
set -euo pipefail
FAKE_PORT="${FAKE_PROVIDERS_PORT:-4010}"
export DATA_DIR="${DATA_DIR:-.data-demo}"
export DATABASE_URL=""
for p in anthropic:anthropic/v1 openai:openai/v1 google:gemini/v1beta xai:xai/v1 mistral:mistral/v1 brave:brave; do
  name="$(echo "${p%%:*}" | tr a-z A-Z)_BASE_URL"
  export "$name=http://127.0.0.1:${FAKE_PORT}/${p#*:}"
done
# Managed (platform) credentials for the fakes: any key works there.
export PLATFORM_ANTHROPIC_API_KEY="${PLATFORM_ANTHROPIC_API_KEY:-sk-ant-demo-platform-key}"
export PLATFORM_OPENAI_API_KEY="${PLATFORM_OPENAI_API_KEY:-sk-demo-platform-key}"
export PLATFORM_GOOGLE_API_KEY="${PLATFORM_GOOGLE_API_KEY:-AQ.demo-platform-key}"
export PLATFORM_XAI_API_KEY="${PLATFORM_XAI_API_KEY:-xai-demo-platform-key}"
export PLATFORM_MISTRAL_API_KEY="${PLATFORM_MISTRAL_API_KEY:-DemoPlatformMistralKey0000000001}"
export PLATFORM_BRAVE_API_KEY="${PLATFORM_BRAVE_API_KEY:-DemoPlatformBraveKey000000000001}"
FAKE_PROVIDERS_PORT="$FAKE_PORT" npx tsx fake-providers/cli.ts &
FAKE_PID=$!
trap 'kill $FAKE_PID 2>/dev/null || true' EXIT
# The seed's output (with the gateway example and its fresh runtime token) is shown after the build's.
SEEDED="$(npm run --silent seed -- demo)"
npm run build
echo
echo "$SEEDED"
echo
echo "Demo: http://localhost:${PORT:-3000}  — sign in as demo@example.com / demo-password"
echo "Keys that work with the fake providers: any key, e.g. sk-proj-demo-key-0001; add -invalid, -noperm or -nocredit to see failures."
npm start
