/**
 * The baseline every benchmark figure is divided by: a bare Fastify app with a Socket.IO server at
 * Recall's socket path, no validation, no storage, no logging. It runs as its own process, as the
 * server under test does, so both share the machine the same way.
 *
 *   POST /echo        parses the JSON body and sends it back
 *   POST /emit/:room  parses the JSON body and emits it to the room with a bare `io.to(room).emit`
 */
import Fastify from 'fastify';
import { Server } from 'socket.io';
import { queueRoom, SOCKET_PATH } from '../src/shared/socket-events.js';

const app = Fastify();
const io = new Server(app.server, { path: SOCKET_PATH, serveClient: false });
io.on('connection', (socket) => {
  socket.on('subscribe_queue', (payload: { queue_id: string }, ack?: (r: unknown) => void) => {
    void Promise.resolve(socket.join(queueRoom(payload.queue_id))).then(() => ack?.({ ok: true, queue_id: payload.queue_id }));
  });
});
app.post('/echo', async (req) => req.body);
app.post<{ Params: { room: string } }>('/emit/:room', async (req) => {
  io.to(queueRoom(req.params.room)).emit('recall_parameters_updated', req.body as never);
  return { ok: true };
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`baseline listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
