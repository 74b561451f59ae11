'use client';
// Follows a run's events over Server-Sent Events (GET …/runs/{id}/events, the session cookie
// authenticates). The browser's EventSource reconnects by itself after a network blip, sending the last
// id it saw (Last-Event-ID), so the server sends only what was missed; ids at or below the last one
// applied are ignored all the same. The stream closes after the run's `finished` event.
import { useEffect, useRef } from 'react';
import type { RunEvent } from '~/lib/schemas/runs';

export function useRunEvents(workspaceId: string, runId: string | null, onEvent: (e: RunEvent) => void): void {
  const handler = useRef(onEvent);
  useEffect(() => {
    handler.current = onEvent;
  });
  useEffect(() => {
    if (!runId) return;
    let last = 0;
    const source = new EventSource(`/api/workspaces/${encodeURIComponent(workspaceId)}/runs/${encodeURIComponent(runId)}/events`);
    source.onmessage = (m) => {
      const seq = Number(m.lastEventId);
      if (Number.isFinite(seq) && seq > 0) {
        if (seq <= last) return;
        last = seq;
      }
      const event = JSON.parse(m.data as string) as RunEvent;
      handler.current(event);
      if (event.type === 'finished') source.close();
    };
    return () => source.close();
  }, [workspaceId, runId]);
}
