'use client';

import { Download } from 'lucide-react';
import { buttonVariants } from '~/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogTitle } from '~/components/ui/dialog';

/** One generated image at full size, with a download link. */
export function ImageViewer({ images, index, onClose }: { images: string[]; index: number; onClose: () => void }) {
  const id = images[index];
  return (
    <Dialog open onOpenChange={(o) => (o ? null : onClose())}>
      <DialogContent className="max-w-3xl gap-3">
        <DialogTitle>Image {index + 1} of {images.length}</DialogTitle>
        <DialogDescription className="sr-only">The generated image at full size.</DialogDescription>
        {/* eslint-disable-next-line @next/next/no-img-element -- private, per-member images */}
        <img src={`/api/images/${id}`} alt={`Generated image ${index + 1}`} className="max-h-[70dvh] w-full rounded-md object-contain" />
        <div className="flex justify-end">
          <a href={`/api/images/${id}`} download={`image-${index + 1}.png`} className={buttonVariants({ variant: 'secondary', size: 'sm' })}>
            <Download aria-hidden />
            Download
          </a>
        </div>
      </DialogContent>
    </Dialog>
  );
}
