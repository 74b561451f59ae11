'use client';

import { Alert } from '~/components/ui/alert';
import { Button } from '~/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '~/components/ui/dialog';
import { Textarea } from '~/components/ui/input';

/** Asks the operator for a plan, with an optional one-line note. */
export function RequestUpgradeDialog({
  planName,
  note,
  onNote,
  pending,
  error,
  onCancel,
  onSubmit,
}: {
  planName: string;
  note: string;
  onNote: (note: string) => void;
  pending: boolean;
  error: string | null;
  onCancel: () => void;
  onSubmit: () => void;
}) {
  return (
    <Dialog open onOpenChange={(o) => (o ? null : onCancel())}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Request the {planName} plan</DialogTitle>
          <DialogDescription>
            Plans are set by the operator of this installation. Your request goes to their list; once they change the plan, its
            credits are added and this page shows it.
          </DialogDescription>
        </DialogHeader>
        <form
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            onSubmit();
          }}
        >
          <div className="flex flex-col gap-1.5">
            <label htmlFor="upgrade-note" className="text-sm font-medium">
              Note for the operator <span className="font-normal text-muted-foreground">(optional)</span>
            </label>
            <Textarea
              id="upgrade-note"
              rows={3}
              maxLength={500}
              value={note}
              onChange={(e) => onNote(e.target.value.replace(/[\r\n]+/g, ' '))}
              placeholder="e.g. We need our own Anthropic key for the launch campaign."
            />
          </div>
          {error ? <Alert>{error}</Alert> : null}
          <DialogFooter>
            <Button variant="secondary" onClick={onCancel}>Cancel</Button>
            <Button type="submit" loading={pending}>Send request</Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
