import { TokenDialog } from '../features/auth/TokenDialog.js';
import { CanvasPanel } from '../features/canvas/CanvasPanel.js';
import { DropZone } from '../features/gallery/DropZone.js';
import { GalleryDrawer } from '../features/gallery/GalleryDrawer.js';
import { LorasPanel } from '../features/loras/LorasPanel.js';
import { Notices } from '../features/notices/Notices.js';
import { GenerationPanel } from '../features/params/GenerationPanel.js';
import { QueueBar } from '../features/queue/QueueBar.js';
import { RefImagesPanel } from '../features/ref-images/RefImagesPanel.js';

export function App() {
  return (
    <div className="app">
      <QueueBar />
      <div className="workspace">
        <main className="columns">
          <div className="column column-left">
            <GenerationPanel />
          </div>
          <div className="column column-center">
            <CanvasPanel />
          </div>
          <div className="column column-right">
            <LorasPanel />
            <RefImagesPanel />
          </div>
        </main>
        <GalleryDrawer />
      </div>
      <Notices />
      <DropZone />
      <TokenDialog />
    </div>
  );
}
