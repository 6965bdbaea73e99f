import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { zImageList, zImageListQuery, zImageName, zImageRecord, zImageUploadQuery } from '../../shared/images.js';
import { zImageMetadata } from '../../shared/metadata.js';
import { AppError, invalidField } from '../errors.js';
import type { ImageService } from './service.js';

const zImageParams = z.object({ image_name: zImageName });

export const imageRoutes: FastifyPluginAsyncZod<{ images: ImageService }> = async (app, { images }) => {
  app.get('/api/v1/images/', {
    schema: { tags: ['images'], summary: 'List images in outputs/images, newest first', querystring: zImageListQuery, response: { 200: zImageList } },
    handler: (req) => images.list(req.query.offset, req.query.limit),
  });

  app.get('/api/v1/images/i/:image_name', {
    schema: { tags: ['images'], summary: 'Get an image record', params: zImageParams, response: { 200: zImageRecord } },
    handler: (req) => images.record(req.params.image_name),
  });

  app.get('/api/v1/images/i/:image_name/metadata', {
    schema: {
      tags: ['images'],
      operationId: 'get_image_metadata',
      summary: "Read the generation metadata saved in an image's file",
      description:
        'What `recall inspect` and `POST /api/v1/recall/{queue_id}/from_image` read: the tool that wrote the metadata, ' +
        'the recall parameters it maps to, model hashes, and what has no recall field. An image without generation ' +
        "metadata answers `status: 'none'`; a file that cannot be read as a PNG, JPEG or WebP answers 422.",
      params: zImageParams,
      response: { 200: zImageMetadata },
    },
    handler: (req) => images.metadata(req.params.image_name),
  });

  app.get('/api/v1/images/i/:image_name/full', {
    schema: { tags: ['images'], summary: 'Get the image file', params: zImageParams },
    handler: async (req, reply) => {
      const file = await images.file(req.params.image_name);
      return reply.type(file.mime).header('content-length', file.size).header('cache-control', 'private, max-age=3600').send(file.stream);
    },
  });

  app.get('/api/v1/images/i/:image_name/thumbnail', {
    schema: { tags: ['images'], summary: 'Get a WebP thumbnail of the image', params: zImageParams },
    handler: async (req, reply) => {
      const data = await images.thumbnail(req.params.image_name);
      return reply.type('image/webp').header('cache-control', 'private, max-age=3600').send(data);
    },
  });

};

/** The upload route, registered where multipart bodies are parsed (see app.ts). */
export const imageUploadRoutes: FastifyPluginAsyncZod<{ images: ImageService; uploadLimit: number }> = async (app, { images, uploadLimit }) => {
  app.post('/api/v1/images/upload', {
    schema: {
      tags: ['images'],
      summary: 'Upload an image (multipart field "file"); it is stored under a new unique name',
      querystring: zImageUploadQuery,
      consumes: ['multipart/form-data'],
      response: { 201: zImageRecord },
    },
    handler: async (req, reply) => {
      if (!req.isMultipart()) throw new AppError('RECALL_ERR_UNSUPPORTED_MEDIA', 'Expected multipart/form-data with a "file" field');
      const part = await req.file({ limits: { fileSize: uploadLimit, files: 1 } });
      if (!part || part.fieldname !== 'file') throw invalidField(['body', 'file'], 'Expected a multipart field named "file"', 'missing');
      const bytes = await part.toBuffer();
      const record = await images.upload(bytes, req.query);
      return reply.code(201).send(record);
    },
  });
};
