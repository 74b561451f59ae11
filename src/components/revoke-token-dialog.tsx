'use client';

import { Alert } from '~/components/ui/alert';
import {
  AlertDialog, AlertDialogCancel, AlertDialogContent, AlertDialogDescription, AlertDialogDestructive, AlertDialogFooter,
  AlertDialogHeader, AlertDialogTitle,
} from '~/components/ui/alert-dialog';

/** The confirmation before a personal access token is revoked. */
export function RevokeTokenDialog({
  name,
  pending,
  error,
  onCancel,
  onConfirm,
}: {
  name: string;
  pending: boolean;
  error: string | null;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <AlertDialog open onOpenChange={(o) => (o ? null : onCancel())}>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Revoke token “{name}”?</AlertDialogTitle>
          <AlertDialogDescription>Scripts and services using it stop working at once. This cannot be undone.</AlertDialogDescription>
        </AlertDialogHeader>
        {error ? <Alert>{error}</Alert> : null}
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogDestructive disabled={pending} onClick={onConfirm}>
            {pending ? 'Revoking…' : 'Revoke'}
          </AlertDialogDestructive>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
