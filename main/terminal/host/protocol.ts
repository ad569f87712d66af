/**
 * The terminal host's wire protocol (main/terminal/host): length-prefixed
 * frames over a unix socket, binary-safe.
 *
 *   [u32 BE length of the rest][u8 kind][body]
 *
 * kind 0: a JSON control message, validated with zod on arrival (both
 *         directions), like main/api/contract.ts.
 * kind 1: terminal bytes: [u8 idLen][id][f64 BE offset][payload]. Host →
 *         server it is output (offset = where the payload starts in the
 *         transcript's .out file); server → host it is input (offset 0).
 *
 * Small on purpose: spawn, list, attach, input, resize, pause/resume, ack,
 * kill, forget. A frame is at most 16 MiB; a peer that sends a bigger one or
 * a malformed one is disconnected (the host's sessions are not affected).
 */
import { z } from 'zod';

export const HOST_PROTOCOL_VERSION = 1;
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
export const KIND_JSON = 0;
export const KIND_BYTES = 1;

const id = z.string().regex(/^[tx][0-9a-f]{12}$/, 'not a terminal id');
const reqId = z.number().int().min(1);
const size = { cols: z.number().int().min(2).max(1000), rows: z.number().int().min(1).max(500) };

/** What the server knows about a session; the host keeps it for the next server. */
export const sessionMetaSchema = z
  .object({
    drillId: z.string().max(64).nullable(),
    target: z.string().max(300),
    kind: z.enum(['local', 'ssh']),
    endpoint: z.string().max(500),
    openedAt: z.string().max(64),
    integrated: z.boolean(),
  })
  .strict();
export type SessionMeta = z.infer<typeof sessionMetaSchema>;

const exitSchema = z
  .object({ exitCode: z.number().int().nullable(), signal: z.string().max(32).nullable(), error: z.string().max(2000).nullable().optional(), at: z.string().max(64) })
  .strict();

const str = z.string().max(4096);
/** main/ssh SshEndpoint, resolved by the server (ssh config, aliases, ProxyJump chain). */
export interface EndpointShape {
  label: string;
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
  identitiesOnly: boolean;
  hostKeyAlias?: string | undefined;
  connectTimeoutSec?: number | undefined;
  serverAliveIntervalSec?: number | undefined;
  serverAliveCountMax?: number | undefined;
  userKnownHostsFiles?: string[] | undefined;
  hashKnownHosts: boolean;
  strictHostKeyChecking?: 'yes' | 'ask' | 'accept-new' | 'no' | undefined;
  jumps: EndpointShape[];
}
const endpointSchema: z.ZodType<EndpointShape> = z.lazy(() =>
  z
    .object({
      label: str,
      host: str,
      port: z.number().int().min(1).max(65535),
      user: str,
      identityFiles: z.array(str).max(64),
      identitiesOnly: z.boolean(),
      hostKeyAlias: str.optional(),
      connectTimeoutSec: z.number().optional(),
      serverAliveIntervalSec: z.number().optional(),
      serverAliveCountMax: z.number().optional(),
      userKnownHostsFiles: z.array(str).max(64).optional(),
      hashKnownHosts: z.boolean(),
      strictHostKeyChecking: z.enum(['yes', 'ask', 'accept-new', 'no']).optional(),
      jumps: z.array(endpointSchema).max(16),
    })
    .strict(),
);

/** How the host reaches an SSH target (main/ssh connectSsh options, minus the prompter, which is the server). */
export const sshSpecSchema = z
  .object({
    endpoint: endpointSchema,
    hostKeyPolicy: z.enum(['ask', 'accept-new', 'strict']),
    knownHostsFiles: z.array(str).max(64).optional(),
    agentSocket: str.nullable().optional(),
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
    keepaliveIntervalMs: z.number().int().min(0).max(3_600_000).optional(),
    keepaliveCountMax: z.number().int().min(0).max(1000).optional(),
  })
  .strict();
export type SshSpec = z.infer<typeof sshSpecSchema>;

/** A question the host's SSH connection asks the operator, through the server. */
const questionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('hostKey'), label: str, host: str, port: z.number().int(), keyType: str, fingerprint: str, knownHostsFile: str }).strict(),
  z.object({ kind: z.literal('secret'), secretKind: z.enum(['password', 'passphrase']), label: str, message: str }).strict(),
  z
    .object({ kind: z.literal('keyboardInteractive'), label: str, name: str, instructions: str, prompts: z.array(z.object({ prompt: str, echo: z.boolean() }).strict()).max(32) })
    .strict(),
]);
export type HostQuestion = z.infer<typeof questionSchema>;
const answerSchema = z.union([z.boolean(), z.string().max(4096), z.array(z.string().max(4096)).max(32), z.null()]);
export type HostExit = z.infer<typeof exitSchema>;

export const hostSessionSchema = z
  .object({
    id,
    meta: sessionMetaSchema,
    pid: z.number().int(),
    /** Bytes written to the transcript's .out so far. */
    offset: z.number().int().min(0),
    cols: size.cols,
    rows: size.rows,
    out: z.string().max(4096),
    exited: exitSchema.nullable(),
    /** When the host last received output (or started the session), ISO UTC. */
    lastOutputAt: z.string().max(64),
    /** Transcript write failure (disk full), if any. */
    writeError: z.string().max(500).nullable(),
  })
  .strict();
export type HostSession = z.infer<typeof hostSessionSchema>;

export const clientMessageSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('hello'), reqId, token: z.string().min(16).max(200), version: z.number().int() }).strict(),
  z
    .object({
      t: z.literal('spawn'),
      reqId,
      id,
      file: z.string().min(1).max(4096),
      args: z.array(z.string().max(4096)).max(64),
      cwd: z.string().min(1).max(4096),
      env: z.record(z.string(), z.string().max(128 * 1024)),
      ...size,
      /** The transcript's .out file the host appends every byte to. */
      out: z.string().min(1).max(4096),
      meta: sessionMetaSchema,
    })
    .strict(),
  /** An SSH shell, connected by the host (so it outlives the server); questions come back as `prompt`. */
  z.object({ t: z.literal('connect'), reqId, id, ...size, out: z.string().min(1).max(4096), meta: sessionMetaSchema, ssh: sshSpecSchema }).strict(),
  z.object({ t: z.literal('answer'), promptId: z.number().int().min(1), answer: answerSchema }).strict(),
  z.object({ t: z.literal('list'), reqId }).strict(),
  z.object({ t: z.literal('attach'), reqId, id }).strict(),
  z.object({ t: z.literal('resize'), id, ...size }).strict(),
  z.object({ t: z.literal('pause'), id }).strict(),
  z.object({ t: z.literal('resume'), id }).strict(),
  z.object({ t: z.literal('ack'), id, bytes: z.number().int().min(0).max(1 << 30) }).strict(),
  z.object({ t: z.literal('kill'), id }).strict(),
  /** The server has recorded the session's end: the host may drop it. */
  z.object({ t: z.literal('forget'), id }).strict(),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export const hostMessageSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('ok'), reqId, pid: z.number().int().optional(), offset: z.number().int().min(0).optional(), session: hostSessionSchema.optional() }).strict(),
  z.object({ t: z.literal('sessions'), reqId, sessions: z.array(hostSessionSchema).max(1000) }).strict(),
  z.object({ t: z.literal('error'), reqId: z.number().int().min(0), message: z.string().max(2000) }).strict(),
  z.object({ t: z.literal('exit'), id, exit: exitSchema }).strict(),
  z.object({ t: z.literal('prompt'), id, promptId: z.number().int().min(1), question: questionSchema }).strict(),
  z.object({ t: z.literal('progress'), id, line: z.string().max(2000) }).strict(),
]);
export type HostMessage = z.infer<typeof hostMessageSchema>;

export function encodeJson(msg: ClientMessage | HostMessage): Buffer {
  const body = Buffer.from(JSON.stringify(msg), 'utf8');
  const frame = Buffer.allocUnsafe(5 + body.length);
  frame.writeUInt32BE(body.length + 1, 0);
  frame[4] = KIND_JSON;
  body.copy(frame, 5);
  return frame;
}

export function encodeBytes(terminalId: string, offset: number, payload: Uint8Array): Buffer {
  const idBuf = Buffer.from(terminalId, 'latin1');
  const frame = Buffer.allocUnsafe(4 + 1 + 1 + idBuf.length + 8 + payload.length);
  frame.writeUInt32BE(frame.length - 4, 0);
  frame[4] = KIND_BYTES;
  frame[5] = idBuf.length;
  idBuf.copy(frame, 6);
  frame.writeDoubleBE(offset, 6 + idBuf.length);
  frame.set(payload, 14 + idBuf.length);
  return frame;
}

export type Frame = { kind: 'json'; value: unknown } | { kind: 'bytes'; id: string; offset: number; payload: Buffer };

/**
 * Splits a byte stream into frames. `push` returns the complete frames so
 * far; it throws (one sentence) on a frame that is too big or malformed,
 * and the caller drops the connection.
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len < 1 || len > MAX_FRAME_BYTES) throw new Error(`a terminal host frame of ${len} bytes is out of bounds`);
      if (this.buf.length < 4 + len) break;
      const body = this.buf.subarray(4, 4 + len);
      this.buf = this.buf.subarray(4 + len);
      out.push(decodeBody(body));
    }
    if (this.buf.length === 0) this.buf = Buffer.alloc(0);
    return out;
  }
}

function decodeBody(body: Buffer): Frame {
  const kind = body[0];
  if (kind === KIND_JSON) {
    try {
      return { kind: 'json', value: JSON.parse(body.subarray(1).toString('utf8')) };
    } catch {
      throw new Error('a terminal host message is not valid JSON');
    }
  }
  if (kind === KIND_BYTES) {
    const idLen = body[1] ?? 0;
    if (body.length < 2 + idLen + 8) throw new Error('a terminal host byte frame is truncated');
    const idStr = body.subarray(2, 2 + idLen).toString('latin1');
    if (!id.safeParse(idStr).success) throw new Error('a terminal host byte frame names no valid terminal');
    return { kind: 'bytes', id: idStr, offset: body.readDoubleBE(2 + idLen), payload: Buffer.from(body.subarray(10 + idLen)) };
  }
  throw new Error(`unknown terminal host frame kind ${kind}`);
}
