import zlib from 'node:zlib';
import sharp from 'sharp';
import { invokeAiMetadata } from './generated-images.js';

/**
 * InvokeAI 5.x metadata with every list the gallery shows: a LoRA (with a blake3 hash), a canvas
 * control layer and a v6 reference image (an IP adapter), besides the core fields.
 */
export function invokeAiMetadataWithLists(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return invokeAiMetadata({
    loras: [{ model: { key: 'k-lora', hash: `blake3:${'ab'.repeat(32)}`, name: 'detail', base: 'sdxl', type: 'lora' }, weight: 0.6 }],
    canvas_v2_metadata: {
      controlLayers: [
        {
          isEnabled: true,
          controlAdapter: {
            type: 'controlnet',
            model: { key: 'k-cn', name: 'canny-sdxl', base: 'sdxl', type: 'controlnet' },
            weight: 0.7,
            beginEndStepPct: [0, 0.8],
            controlMode: 'balanced',
          },
          objects: [{ type: 'image', image: { image_name: 'control.png' } }],
        },
      ],
    },
    ref_images: [
      {
        isEnabled: true,
        config: {
          type: 'ip_adapter',
          image: { image_name: 'face.png' },
          model: { key: 'k-ip', name: 'ip-adapter-sdxl', base: 'sdxl', type: 'ip_adapter' },
          weight: 0.5,
          beginEndStepPct: [0, 1],
          method: 'style',
        },
      },
    ],
    ...overrides,
  });
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG with tEXt chunks (UTF-8 text) inserted after IHDR, as generators write them. */
export function withTextChunks(png: Buffer, entries: Record<string, string>): Buffer {
  const ihdrEnd = 8 + 8 + png.readUInt32BE(8) + 4;
  const texts = Object.entries(entries).map(([k, v]) => chunk('tEXt', Buffer.concat([Buffer.from(k, 'latin1'), Buffer.from([0]), Buffer.from(v, 'utf8')])));
  return Buffer.concat([png.subarray(0, ihdrEnd), ...texts, png.subarray(ihdrEnd)]);
}

/** Pictures that look like what their prompts say, so the gallery's screenshot shows something real. */
export const SCENES = {
  lighthouse: `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="384">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#1d2b64"/><stop offset="0.75" stop-color="#f29e6d"/></linearGradient></defs>
    <rect width="512" height="384" fill="url(#sky)"/><circle cx="400" cy="250" r="34" fill="#ffcf7a"/>
    <polygon points="0,300 512,280 512,384 0,384" fill="#1b3350"/><polygon points="60,300 180,270 230,300" fill="#22262e"/>
    <rect x="130" y="150" width="34" height="130" fill="#f1eee6"/><rect x="130" y="190" width="34" height="18" fill="#c23b32"/><rect x="130" y="235" width="34" height="18" fill="#c23b32"/>
    <polygon points="124,150 170,150 147,118" fill="#2d2f36"/><polygon points="160,132 330,100 330,150" fill="#fff3b0" opacity="0.35"/></svg>`,
  cat: `<svg xmlns="http://www.w3.org/2000/svg" width="384" height="512">
    <rect width="384" height="512" fill="#2f7f86"/><circle cx="192" cy="300" r="110" fill="#9aa0a8"/>
    <polygon points="100,240 120,150 170,215" fill="#9aa0a8"/><polygon points="284,240 264,150 214,215" fill="#9aa0a8"/>
    <circle cx="152" cy="290" r="14" fill="#e8f0a0"/><circle cx="232" cy="290" r="14" fill="#e8f0a0"/><polygon points="182,330 202,330 192,342" fill="#e79aa5"/>
    <rect x="150" y="120" width="84" height="70" fill="#1e1e24"/><rect x="126" y="186" width="132" height="14" fill="#1e1e24"/><rect x="150" y="170" width="84" height="10" fill="#b23a48"/></svg>`,
  fox: `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="384">
    <rect width="512" height="384" fill="#dfe9f3"/><polygon points="0,290 512,260 512,384 0,384" fill="#ffffff"/>
    <polygon points="190,250 330,250 360,300 170,300" fill="#d96a2b"/><polygon points="150,230 200,200 210,260" fill="#d96a2b"/>
    <polygon points="150,230 160,190 180,215" fill="#d96a2b"/><polygon points="330,260 420,230 400,280" fill="#d96a2b"/><circle cx="412" cy="248" r="10" fill="#fff"/></svg>`,
  mountains: `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="320">
    <rect width="512" height="320" fill="#8ec5e8"/><polygon points="0,320 140,120 260,320" fill="#4b5d6b"/><polygon points="180,320 330,90 500,320" fill="#5d7180"/>
    <polygon points="300,135 330,90 360,135" fill="#fff"/><rect y="280" width="512" height="40" fill="#4d7a3a"/></svg>`,
} as const;

export const svgPng = (svg: string): Promise<Buffer> => sharp(Buffer.from(svg)).png().toBuffer();
export const svgJpeg = (svg: string): Promise<Buffer> => sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();

/** A small abstract picture whose colours vary with `i`, for filling the gallery's later pages. */
export function fillerPng(i: number): Promise<Buffer> {
  const hue = (i * 47) % 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96"><rect width="96" height="96" fill="hsl(${hue},45%,35%)"/>
    <circle cx="${30 + (i % 5) * 9}" cy="${34 + (i % 3) * 10}" r="${14 + (i % 4) * 4}" fill="hsl(${(hue + 150) % 360},70%,65%)"/></svg>`;
  return svgPng(svg);
}
