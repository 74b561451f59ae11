import { Tabs } from '~/components/tabs';
import { Card } from '~/components/ui';

export default async function ModelsSettingsPage({ searchParams }: { searchParams: Promise<{ tab?: string }> }) {
  const { tab } = await searchParams;
  return (
    <Tabs
      initial={tab === 'models' ? 1 : 0}
      tabs={[
        {
          label: 'API Keys',
          content: (
            <Card>
              <h2 className="text-lg font-semibold">API Keys</h2>
              <p className="mt-1 text-sm text-slate-600">
                Connect your own Anthropic, OpenAI, Google, xAI and Mistral keys. Key management arrives with the API
                Keys release.
              </p>
            </Card>
          ),
        },
        {
          label: 'Models',
          content: (
            <Card>
              <h2 className="text-lg font-semibold">Models</h2>
              <p className="mt-1 text-sm text-slate-600">
                Choose the default model for the Fast, Standard and Premium tiers. Tier settings arrive with the Models
                release.
              </p>
            </Card>
          ),
        },
      ]}
    />
  );
}
