import path from 'node:path';
import sharp from 'sharp';
import { SPEC_IMAGES } from '../helpers/fixtures.js';

type Painter = (x: number, y: number, w: number, h: number) => [number, number, number];

/** Images that look like what their names say, so the screenshot shows something recognisable. */
const PAINTERS: Record<string, Painter> = {
  // A depth map: near (bright) in the middle, far (dark) at the edges, with a horizon.
  'depth_map.png': (x, y, w, h) => {
    const d = Math.hypot((x - w / 2) / w, (y - h * 0.6) / h);
    const v = Math.max(0, Math.min(255, 255 - d * 420 - (y < h * 0.35 ? 60 : 0)));
    return [v, v, v];
  },
  // Edges on black, as a canny preprocessor draws them.
  'my_control_image.png': (x, y, w, h) => {
    const r = Math.hypot(x - w / 2, y - h / 2);
    const edge = Math.abs(r % 120) < 3 || Math.abs(((x + y) % 200) - 100) < 2;
    return edge ? [255, 255, 255] : [0, 0, 0];
  },
  // A warm sunset gradient with a sun.
  'style_reference.png': (x, y, w, h) => {
    const t = y / h;
    const sun = Math.hypot(x - w * 0.65, y - h * 0.55) < w * 0.12;
    if (sun) return [255, 236, 170];
    return [Math.round(250 - 120 * t), Math.round(120 - 80 * t + 40 * (x / w)), Math.round(90 + 110 * t)];
  },
  // A soft portrait-like blob on teal.
  'reference_face.png': (x, y, w, h) => {
    const face = ((x - w / 2) / (w * 0.28)) ** 2 + ((y - h * 0.45) / (h * 0.36)) ** 2 < 1;
    return face ? [236, 196, 170] : [40, Math.round(110 + 60 * (y / h)), 130];
  },
};

async function paint(file: string, width: number, height: number, painter: Painter): Promise<void> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = painter(x, y, width, height);
      const i = (y * width + x) * 3;
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
    }
  }
  await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(file);
}

/** Overwrites the spec's images in outputs/images with painted ones of the same names and sizes. */
export async function paintSpecImages(root: string): Promise<void> {
  await Promise.all(
    SPEC_IMAGES.map((img) => {
      const painter = PAINTERS[img.name];
      return painter ? paint(path.join(root, 'outputs', 'images', img.name), img.width, img.height, painter) : Promise.resolve();
    }),
  );
}
