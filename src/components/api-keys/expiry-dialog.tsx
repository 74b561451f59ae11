'use client';
// The expiry date an owner notes on an existing key (the provider's own expiry): set, change or clear it.
// Owners are notified seven days before; we never block an expired key ourselves.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '~/components/ui/dialog';
import { Input } from '~/components/ui/input';
import { toast } from '~/components/ui/toast';
import type { KeyDto } from '~/lib/schemas/keys';
import { PROVIDERS } from '~/lib/providers';
import { useTRPC } from '~/trpc/react';

/** yyyy-mm-dd of a date in the browser's time zone (what a date input shows). */
const localDay = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

export function ExpiryDialog({ workspaceId, target, onClose }: { workspaceId: string; target: KeyDto | null; onClose: () => void }) {
  // Mounted afresh for each key, so the field starts from that key's date.
  return target ? <ExpiryForm key={target.id} workspaceId={workspaceId} target={target} onClose={onClose} /> : null;
}

function ExpiryForm({ workspaceId, target, onClose }: { workspaceId: string; target: KeyDto; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [day, setDay] = useState(target.expiresAt ? localDay(target.expiresAt) : '');
  const name = PROVIDERS[target.provider].name;
  const set = useMutation(
    trpc.keys.setExpiry.mutationOptions({
      onSuccess: async (key) => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.keys.list.queryFilter({ workspaceId })),
          queryClient.invalidateQueries(trpc.keys.audit.queryFilter({ workspaceId })),
        ]);
        toast.success(key.expiresAt ? `${name} key “${key.label}”: expiry date saved` : `${name} key “${key.label}”: expiry date cleared`);
        onClose();
      },
    }),
  );
  const save = (value: string) =>
    // The end of the chosen day, in the owner's time zone (as when adding a key).
    set.mutate({ workspaceId, keyId: target.id, expiresAt: value ? new Date(`${value}T23:59:59`) : null });

  return (
    <Dialog open onOpenChange={(open) => (open ? null : onClose())}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Expiry date of {name} key “{target.label}”</DialogTitle>
          <DialogDescription>
            When {name} expires this key. Owners are told a week before; the key keeps working until {name} refuses it.
          </DialogDescription>
        </DialogHeader>
        <form
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            save(day);
          }}
        >
          <div className="flex flex-col gap-1.5">
            <label htmlFor="expiry-date" className="text-sm font-medium">Expires on</label>
            <Input id="expiry-date" type="date" required min={localDay(new Date())} value={day} onChange={(e) => setDay(e.target.value)} />
          </div>
          {set.error ? <Alert>{set.error.message}</Alert> : null}
          <DialogFooter>
            {target.expiresAt ? (
              <Button variant="danger-ghost" className="sm:mr-auto" disabled={set.isPending} onClick={() => save('')}>
                Clear date
              </Button>
            ) : null}
            <Button variant="secondary" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={set.isPending} disabled={day === ''}>Save date</Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
