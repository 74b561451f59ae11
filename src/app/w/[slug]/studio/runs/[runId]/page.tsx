import { permanentRedirect } from 'next/navigation';

// Runs moved to /w/[slug]/runs/[runId]; links people saved keep working.
export default async function OldRunPage({ params }: { params: Promise<{ slug: string; runId: string }> }) {
  const { slug, runId } = await params;
  permanentRedirect(`/w/${encodeURIComponent(slug)}/runs/${encodeURIComponent(runId)}`);
}
