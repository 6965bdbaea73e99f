import { useEffect, useState } from 'react';
import { useGallery } from './use-gallery.js';

const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;

/**
 * Dropping an image file anywhere on the page recalls it (issue 4): the file goes to from_image as an
 * upload, and the page changes when the recall's event arrives. While files are dragged over the
 * page, an overlay says what a drop will do. Listeners sit on the window in the capture phase, so a
 * drop on a text box recalls too instead of the browser opening the file.
 */
export function DropZone() {
  const { recallFiles } = useGallery();
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    // dragenter/dragleave fire for every child crossed; the count says whether we are still inside.
    let depth = 0;
    const enter = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth++;
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const over = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const drop = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      void recallFiles([...(e.dataTransfer?.files ?? [])]);
    };
    window.addEventListener('dragenter', enter, true);
    window.addEventListener('dragleave', leave, true);
    window.addEventListener('dragover', over, true);
    window.addEventListener('drop', drop, true);
    return () => {
      window.removeEventListener('dragenter', enter, true);
      window.removeEventListener('dragleave', leave, true);
      window.removeEventListener('dragover', over, true);
      window.removeEventListener('drop', drop, true);
    };
  }, [recallFiles]);

  if (!dragging) return null;
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-message">
        <strong>Drop an image to recall it</strong>
        <span>PNG, JPEG or WebP with generation metadata (InvokeAI, AUTOMATIC1111, ComfyUI, …)</span>
      </div>
    </div>
  );
}
